/**
 * Media: the private S3 bucket that holds the files users attach to posts. Clients PUT straight
 * to it through presigned URLs the API signs, and platforms GET from it through presigned read
 * URLs the publish worker signs; no file passes through a Lambda and nothing in it is public.
 */
import { CfnOutput, Duration, RemovalPolicy, Validations, type CfnResource } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export const MEDIA_BUCKET_LOGICAL_ID = 'MediaBucket';

/** Where `S3MediaStore` keeps objects (`media/<userId>/<mediaId>`): the grants are scoped to it. */
export const MEDIA_KEY_PREFIX = 'media/';

/**
 * Days an uploaded file is kept. Platforms copy a file when the post goes out, so the bucket only
 * has to hold it until then; a bound keeps abandoned and long-published uploads from piling up.
 */
export const MEDIA_EXPIRY_DAYS = 30;

export interface MediaProps {
  /** Return URLs (full URLs or origins) from the stage configuration: the browser apps that upload. */
  readonly browserUrls: readonly string[];
}

/** The distinct origins (`scheme://host[:port]`) of the given URLs. */
export const originsOf = (urls: readonly string[]): string[] => [...new Set(urls.map((u) => new URL(u).origin))];

export class Media extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: MediaProps) {
    super(scope, id);
    const origins = originsOf(props.browserUrls);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // S3-managed keys, not the stack's KMS key: the files are what users are about to publish to
      // the world, and platforms fetch them (often in many range requests) through presigned URLs;
      // SSE-KMS would put a KMS call and its quota behind every one of those reads for no gain.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // One object per upload, never overwritten: versions would only keep deleted files around.
      versioned: false,
      lifecycleRules: [
        { id: 'expire-uploads', prefix: MEDIA_KEY_PREFIX, expiration: Duration.days(MEDIA_EXPIRY_DAYS) },
        // Large uploads a client abandoned half-way are invisible but billed until aborted.
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Browsers upload from the app's own pages; without an allowed origin, no browser may.
      ...(origins.length > 0 && {
        cors: [
          {
            allowedMethods: [HttpMethods.PUT, HttpMethods.GET],
            allowedOrigins: origins,
            // Content-Type is signed into each upload URL, so the browser must be allowed to send it.
            allowedHeaders: ['content-type'],
            exposedHeaders: ['ETag'],
            maxAge: 3000,
          },
        ],
      }),
      // Users' files outlive a stack that is torn down by mistake; the operator deletes them on purpose.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.bucket.node.defaultChild as CfnResource).overrideLogicalId(MEDIA_BUCKET_LOGICAL_ID);
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Every upload and read URL is issued by the authenticated API or the publish worker, whose requests are in the API access logs and function logs; objects are short-lived and keyed per user. Enable CloudTrail S3 data events if object-level audit is required.',
    });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName, description: 'S3 bucket of uploaded post media' });
  }
}
