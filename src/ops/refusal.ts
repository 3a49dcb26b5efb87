/**
 * What an operations command refuses to do, in one line: a bad or foreign file, a target that is
 * not empty, a wrong passphrase. The command line prints it and exits 2; nothing has been written.
 */
export class Refusal extends Error {}
