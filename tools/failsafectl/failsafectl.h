/* tools/failsafectl/failsafectl.h — the host-side command's subcommands */
#ifndef TOOLS_FAILSAFECTL_H
#define TOOLS_FAILSAFECTL_H

/* Each returns the process exit status: 0 ok, 1 failure, 2 usage error. argv[0] is the subcommand. */
int sim_main(int argc, char **argv);

#endif /* TOOLS_FAILSAFECTL_H */
