/**
 * The MD5 digests SQS returns with a message, computed the way SQS computes them, so that SDK
 * clients that verify them (the JavaScript SDK checks `MD5OfMessageBody`) accept the answers.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation
 */
import { createHash } from 'node:crypto';

export interface AttributeValue {
  readonly dataType: string;
  readonly stringValue?: string;
  readonly binaryValue?: Buffer;
}

/** Hex MD5 of the body's UTF-8 bytes. */
export const md5OfBody = (body: string): string => createHash('md5').update(body, 'utf8').digest('hex');

const lengthPrefixed = (bytes: Buffer): Buffer => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
};

/**
 * Hex MD5 over the attributes sorted by name: for each, the length-prefixed name and data type,
 * one transport byte (1 string, 2 binary), then the length-prefixed value.
 */
export const md5OfAttributes = (attributes: Readonly<Record<string, AttributeValue>>): string | undefined => {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const a = attributes[name]!;
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(a.dataType, 'utf8')));
    if (a.binaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      hash.update(lengthPrefixed(a.binaryValue));
    } else {
      hash.update(Buffer.from([1]));
      hash.update(lengthPrefixed(Buffer.from(a.stringValue ?? '', 'utf8')));
    }
  }
  return hash.digest('hex');
};
