/**
 * THE exit codes of `maildoctor`, each with what it means: the CLI returns them (cli/main.ts maps errors to
 * them in one place), the report's verdict is one of them (report/index.ts `reportExitCode`), `--help` prints
 * EXIT_MEANINGS and README.md's table says the same (test/cli/exit-codes.test.ts holds them to it). In
 * src/lib so that the report can use them without importing the CLI.
 */
export const EXIT = {
  OK: 0,
  PROBLEMS: 1,
  USAGE: 2,
  INTERNAL: 70, // EX_SOFTWARE (sysexits.h): a bug in maildoctor
  SIGINT: 130, // 128 + 2: the shell convention for a command ended by Ctrl-C
  SIGTERM: 143, // 128 + 15
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A check's verdict: healthy, or problems to fix. */
export type VerdictExitCode = typeof EXIT.OK | typeof EXIT.PROBLEMS;

/** What each code means, as `--help` and README.md say it. */
export const EXIT_MEANINGS: Readonly<Record<ExitCode, string>> = {
  [EXIT.OK]: 'healthy: what was asked works',
  [EXIT.PROBLEMS]: 'problems found (the output says which)',
  [EXIT.USAGE]: 'usage or input error (a message on stderr)',
  [EXIT.INTERNAL]: 'internal error in maildoctor (please report it)',
  [EXIT.SIGINT]: 'interrupted by Ctrl-C (SIGINT): "maildoctor: interrupted", no verdict',
  [EXIT.SIGTERM]: 'interrupted by SIGTERM: "maildoctor: interrupted", no verdict',
};

/** The signals that interrupt a command (check, discover, network, probe), and the code each ends it with. */
export const SIGNAL_EXIT = { SIGINT: EXIT.SIGINT, SIGTERM: EXIT.SIGTERM } as const;
