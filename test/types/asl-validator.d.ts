/** asl-validator ships no types. It mutates its input: pass it a structuredClone. */
declare module 'asl-validator' {
  export interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: unknown[];
  }
  export default function validate(definition: unknown): AslValidationResult;
}
