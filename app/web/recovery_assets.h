/* app/web/recovery_assets.h — the recovery page's script, in the binary (generated from app/recovery.js by cmake/embed.cmake) */
#ifndef APP_RECOVERY_ASSETS_H
#define APP_RECOVERY_ASSETS_H

#include <stddef.h>

extern const char *const recovery_js;
extern const size_t recovery_js_bytes;

#endif /* APP_RECOVERY_ASSETS_H */
