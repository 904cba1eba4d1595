/* unittests/layering_probe.c — compiled with the daemon's include path by ctest: must FAIL (app/ cannot see drivers/) */
#include "board.h"   /* hal/: visible */
#include "boot.h"    /* app/: visible */
#include "eth_rtnl.h" /* drivers/: must not be found */
