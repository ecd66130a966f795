// What the person running the lab reads. A LabError is a message for them (printed without a stack,
// exit status 1); log() goes to stderr, so that stdout holds only the JSON a caller parses.

export class LabError extends Error {}

export const log = (message) => process.stderr.write(`lab: ${message}\n`)
