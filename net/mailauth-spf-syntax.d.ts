/**
 * The record validator of mailauth's SPF evaluator (`mailauth/lib/spf/syntax.js`, mailauth pinned exactly in
 * package.json), which ships no type declarations of its own. Its strict evaluation calls the same function on
 * every record before evaluating it, so `parseSpf` and `evaluateSpf` cannot disagree about validity.
 */
declare module "mailauth/lib/spf/syntax" {
  /** The first syntax error of the record's terms (the record without `v=spf1`, split on SP), or false. */
  export function validateTerms(terms: readonly string[]): string | false;
}
