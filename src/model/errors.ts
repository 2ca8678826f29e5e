/**
 * A problem the user can fix (bad option, bad file, bad configuration). Adapters print its message
 * on one line without a stack trace and exit 2 (CLI) or fail the invocation (Lambda).
 */
export class UserInputError extends Error {
  override readonly name = 'UserInputError';
}
