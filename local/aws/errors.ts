/**
 * An error in the shape AWS's JSON protocols return: HTTP 400 (unless stated), a body
 * `{"__type": ..., "message": ...}` and, for SQS (which is "query compatible"), the
 * `x-amzn-query-error` header the SDK reads the classic error code from.
 */
export class AwsError extends Error {
  constructor(
    /** The `__type` of the body, e.g. `ResourceNotFoundException`. */
    readonly type: string,
    message: string,
    readonly status = 400,
    /** `Code;Sender|Receiver` for the `x-amzn-query-error` header (SQS only). */
    readonly queryError?: string,
  ) {
    super(message);
    this.name = 'AwsError';
  }
}

/** SQS errors carry the service namespace in `__type` and the classic code in a header. */
export const sqsError = (code: string, message: string, queryCode = code): AwsError =>
  new AwsError(`com.amazonaws.sqs#${code}`, message, 400, `${queryCode};Sender`);
