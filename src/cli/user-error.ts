// An error whose message is the whole story for the user: printed as is, never with a stack.
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'UserError';
  }
}
