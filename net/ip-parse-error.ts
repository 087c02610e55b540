/**
 * Thrown by the strict parsers of this folder when a text is not the address or prefix it should be. The message
 * says what was expected; callers turn it into a {@link ConfigProblem} naming the field.
 */
export class IpParseError extends Error {
  /** The text that failed to parse. */
  readonly input: string;

  constructor(input: string, message: string) {
    super(message);
    this.name = "IpParseError";
    this.input = input;
  }
}
