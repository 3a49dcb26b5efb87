/**
 * What a person handed over cannot be taken as it is: a baked image, a JWT or a credential's JSON
 * that cannot be read as what it claims to be, a date outside its window. Modules that know nothing
 * of HTTP throw it; src/errors.ts answers it as a 400 problem naming `field`, and the verify page
 * shows it in words.
 */
export class InvalidInput extends Error {
  override readonly name = 'InvalidInput';

  constructor(
    detail: string,
    /** The request field it came in (`jwt`, `credential`, `image`, `validFrom`, …). */
    readonly field: string,
  ) {
    super(detail);
  }
}
