/**
 * The S3 REST API, path-style (`/<bucket>/<key>`), for what Reach's media store does: CreateBucket
 * (`PUT /<bucket>`), HeadBucket, PutObject (`PUT /<bucket>/<key>`, presigned or signed in headers),
 * GetObject (with byte ranges) and HeadObject. Errors are S3's XML bodies with its codes
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 *
 * Signatures are not checked, in headers or in presigned query strings: the endpoint is
 * loopback-only and single-user, and a presigned URL must work with nothing but curl. A presigned
 * URL's expiry (`X-Amz-Date` + `X-Amz-Expires`) is honoured, so an expired link fails as in AWS.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody } from '../http-listen';
import type { ObjectMeta, ObjectStore } from './object-store';

/**
 * Largest object accepted: Reach declares media of at most 1 GiB (`MAX_MEDIA_BYTES`), and the
 * local endpoint buffers a body whole before storing it.
 */
export const MAX_OBJECT_BYTES = 1024 ** 3;

/** An S3 error answer: HTTP status, S3's code and message, and the resource it concerns. */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly resource?: { readonly bucket?: string; readonly key?: string },
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

const xmlEscape = (s: string): string => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

const errorXml = (err: S3Error, requestId: string): string =>
  [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Error>',
    `<Code>${err.code}</Code>`,
    `<Message>${xmlEscape(err.message)}</Message>`,
    ...(err.resource?.bucket !== undefined ? [`<BucketName>${xmlEscape(err.resource.bucket)}</BucketName>`] : []),
    ...(err.resource?.key !== undefined ? [`<Key>${xmlEscape(err.resource.key)}</Key>`] : []),
    `<RequestId>${requestId}</RequestId>`,
    '</Error>',
  ].join('');

const noSuchBucket = (bucket: string) => new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { bucket });

/** The bucket and key a path-style request names (the key percent-decoded, `/` kept). */
export const parseS3Path = (pathname: string): { readonly bucket?: string; readonly key?: string } => {
  const rest = pathname.replace(/^\/+/, '');
  if (rest === '') return {};
  const slash = rest.indexOf('/');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
    }
  };
  if (slash < 0) return { bucket: decode(rest) };
  const key = decode(rest.slice(slash + 1));
  return { bucket: decode(rest.slice(0, slash)), ...(key !== '' && { key }) };
};

/** Refuses a presigned request whose `X-Amz-Date` + `X-Amz-Expires` lie in the past. */
const checkPresignedExpiry = (query: URLSearchParams, now: number): void => {
  const date = query.get('X-Amz-Date');
  const expires = query.get('X-Amz-Expires');
  if (date === null || expires === null) return;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  const seconds = Number(expires);
  if (!m || !Number.isInteger(seconds) || seconds < 1 || seconds > 604_800) {
    throw new S3Error(400, 'AuthorizationQueryParametersError', 'X-Amz-Date must be yyyyMMddTHHmmssZ and X-Amz-Expires a number of seconds from 1 to 604800.');
  }
  const signedAt = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (now > signedAt + seconds * 1000) throw new S3Error(403, 'AccessDenied', 'Request has expired');
};

/**
 * Decodes an `aws-chunked` body (SigV4 streaming: `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n`
 * … a zero-size chunk, then optional trailers), which the SDK sends for bodies of unknown length
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html).
 */
export const decodeAwsChunked = (raw: Buffer): Buffer => {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) throw new S3Error(400, 'IncompleteBody', 'The aws-chunked body ends inside a chunk header.');
    const size = parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0) throw new S3Error(400, 'InvalidRequest', 'The aws-chunked body has a malformed chunk size.');
    if (size === 0) return Buffer.concat(parts);
    const start = eol + 2;
    if (start + size + 2 > raw.length) throw new S3Error(400, 'IncompleteBody', 'The aws-chunked body ends inside a chunk.');
    parts.push(raw.subarray(start, start + size));
    at = start + size + 2;
  }
};

/** The inclusive byte range a `Range: bytes=…` header asks of `size` bytes; undefined for the whole object. */
export const parseRange = (header: string | undefined, size: number): { readonly start: number; readonly end: number } | undefined => {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // S3 ignores a Range header it cannot parse (multiple ranges included) and sends the whole object.
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  const unsatisfiable = () => new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable');
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) throw unsatisfiable();
  return { start, end };
};

const objectHeaders = (meta: ObjectMeta): Record<string, string> => ({
  'content-type': meta.contentType,
  etag: meta.etag,
  'last-modified': new Date(meta.lastModified).toUTCString(),
  'accept-ranges': 'bytes',
});

/**
 * Browsers may call the local endpoint from any page: it is loopback-only. (The deployed bucket
 * allows only the configured return-URL origins.)
 */
const corsHeaders = (req: IncomingMessage): Record<string, string> => {
  const origin = req.headers.origin;
  return origin ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'ETag', vary: 'Origin' } : {};
};

/** What S3 says of a method it does not allow on a resource; this endpoint allows only what the media store uses. */
const ONLY_MEDIA_OPERATIONS = 'The local S3 endpoint allows CreateBucket, HeadBucket, PutObject, GetObject and HeadObject (path-style) only.';

/** Multipart uploads, copies, ACLs, tagging…: sub-resources of the REST API the media store never uses. */
const SUBRESOURCES = ['uploads', 'uploadId', 'partNumber', 'acl', 'tagging', 'versioning', 'cors', 'lifecycle', 'policy', 'location', 'list-type', 'delete'];

export interface S3Outcome {
  /** `S3.<Operation>`, for the endpoint's call counters. */
  readonly operation: string;
  /** An unexpected failure, answered as S3's InternalError; the caller logs it. */
  readonly failure?: unknown;
}

/** Answers one S3 REST request against `store`; never throws (every error becomes an S3 XML answer). */
export const handleS3Request = async (store: ObjectStore, req: IncomingMessage, res: ServerResponse, now: () => number = Date.now): Promise<S3Outcome> => {
  const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
  const base = { 'x-amz-request-id': requestId, ...corsHeaders(req) };
  const method = req.method ?? 'GET';
  let operation = `S3.${method}`;
  const send = (status: number, headers: Record<string, string | number>, body?: Buffer | string) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    res.writeHead(status, { ...base, ...(payload !== undefined && method !== 'HEAD' && { 'content-length': payload.length }), ...headers });
    res.end(method === 'HEAD' ? undefined : payload);
  };
  try {
    const url = new URL(req.url ?? '/', 'http://local');
    const { bucket, key } = parseS3Path(url.pathname);

    if (method === 'OPTIONS') {
      operation = 'S3.PreflightRequest';
      const asked = req.headers['access-control-request-headers'];
      send(200, {
        'access-control-allow-methods': 'GET, PUT, HEAD',
        'access-control-allow-headers': typeof asked === 'string' && asked !== '' ? asked : 'content-type',
        'access-control-max-age': 3000,
        'content-length': 0,
      });
      return { operation };
    }
    if (bucket === undefined || SUBRESOURCES.some((s) => url.searchParams.has(s)) || req.headers['x-amz-copy-source'] !== undefined) {
      throw new S3Error(405, 'MethodNotAllowed', ONLY_MEDIA_OPERATIONS);
    }
    checkPresignedExpiry(url.searchParams, now());

    if (key === undefined) {
      if (method === 'PUT') {
        operation = 'S3.CreateBucket';
        // Creating a bucket one already owns succeeds again, as in us-east-1.
        if (!store.hasBucket(bucket)) {
          try {
            store.createBucket(bucket);
          } catch {
            throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', { bucket });
          }
        }
        await readBody(req, 64 * 1024).catch(() => Buffer.alloc(0));
        send(200, { location: `/${bucket}`, 'content-length': 0 });
        return { operation };
      }
      if (method === 'HEAD') {
        operation = 'S3.HeadBucket';
        if (!store.hasBucket(bucket)) throw noSuchBucket(bucket);
        send(200, { 'content-length': 0 });
        return { operation };
      }
      throw new S3Error(405, 'MethodNotAllowed', ONLY_MEDIA_OPERATIONS);
    }

    if (method === 'PUT') {
      operation = 'S3.PutObject';
      await putObject(store, req, bucket, key, (meta) => send(200, { etag: meta.etag, 'content-length': 0 }), now);
      return { operation };
    }
    if (method === 'GET' || method === 'HEAD') {
      operation = method === 'GET' ? 'S3.GetObject' : 'S3.HeadObject';
      if (!store.hasBucket(bucket)) throw noSuchBucket(bucket);
      const meta = store.head(bucket, key);
      if (!meta) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { key });
      const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, meta.size);
      if (method === 'HEAD') {
        send(200, { ...objectHeaders(meta), 'content-length': meta.size });
        return { operation };
      }
      const object = store.get(bucket, key);
      if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { key });
      if (range) {
        send(206, { ...objectHeaders(meta), 'content-range': `bytes ${range.start}-${range.end}/${meta.size}` }, object.body.subarray(range.start, range.end + 1));
      } else {
        send(200, objectHeaders(meta), object.body);
      }
      return { operation };
    }
    throw new S3Error(405, 'MethodNotAllowed', ONLY_MEDIA_OPERATIONS);
  } catch (err) {
    const s3err = err instanceof S3Error ? err : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
    if (!res.headersSent) {
      // HEAD answers carry no body; the SDK reads the status alone (404 → NotFound).
      send(s3err.status, { 'content-type': 'application/xml' }, method === 'HEAD' ? undefined : errorXml(s3err, requestId));
    }
    return err instanceof S3Error ? { operation } : { operation, failure: err };
  }
};

const putObject = async (store: ObjectStore, req: IncomingMessage, bucket: string, key: string, done: (meta: ObjectMeta) => void, now: () => number): Promise<void> => {
  const declared = req.headers['content-length'];
  const decodedHeader = req.headers['x-amz-decoded-content-length'];
  const chunked = (req.headers['content-encoding'] ?? '').split(',').some((e) => e.trim() === 'aws-chunked');
  if (declared === undefined && !(chunked && typeof decodedHeader === 'string')) {
    throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, chunked ? MAX_OBJECT_BYTES + 1024 * 1024 : MAX_OBJECT_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.', { key });
    throw err;
  }
  const body = chunked ? decodeAwsChunked(raw) : raw;
  if (chunked && typeof decodedHeader === 'string' && Number(decodedHeader) !== body.length) {
    throw new S3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the x-amz-decoded-content-length header.');
  }
  const md5 = req.headers['content-md5'];
  if (typeof md5 === 'string' && createHash('md5').update(body).digest('base64') !== md5) {
    throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.', { key });
  }
  // Checked after reading the body, so the client gets the answer on a connection it can reuse.
  if (!store.hasBucket(bucket)) throw noSuchBucket(bucket);
  const contentType = typeof req.headers['content-type'] === 'string' && req.headers['content-type'] !== '' ? req.headers['content-type'] : 'binary/octet-stream';
  done(store.put(bucket, key, body, contentType, now()));
};
