/**
 * The SQS operations of the AWS JSON protocol (`AmazonSQS.<Operation>`, `application/x-amz-json-1.0`)
 * over the local queue engine. Shapes follow the SQS API reference:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Operations.html
 */
import { z } from 'zod';
import type { AttributeValue, QueueEngine } from '../queues/engine';
import { md5OfAttributes } from '../queues/md5';
import { AwsError, sqsError } from './errors';
import { parseInput, type OperationTable } from './protocol';

const attributeValue = z.object({
  DataType: z.string().regex(/^(String|Number|Binary)(\..+)?$/, 'DataType must be String, Number or Binary (with an optional .custom suffix)'),
  StringValue: z.string().optional(),
  BinaryValue: z.string().optional(),
});
const messageAttributes = z.record(z.string().min(1).max(256), attributeValue).optional();

const entryId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'Id may hold up to 80 letters, digits, hyphens and underscores');
const queueUrl = z.string().min(1);
const sendFields = {
  MessageBody: z.string().min(1, 'The request must contain the parameter MessageBody.'),
  DelaySeconds: z.number().int().optional(),
  MessageAttributes: messageAttributes,
  MessageSystemAttributes: z.record(z.string(), z.unknown()).optional(),
};
const sendMessage = z.object({ QueueUrl: queueUrl, ...sendFields });
const sendMessageBatch = z.object({ QueueUrl: queueUrl, Entries: z.array(z.object({ Id: entryId, ...sendFields })) });
const getQueueUrl = z.object({ QueueName: z.string().min(1), QueueOwnerAWSAccountId: z.string().optional() });
const changeVisibility = z.object({ QueueUrl: queueUrl, ReceiptHandle: z.string().min(1), VisibilityTimeout: z.number().int() });
const changeVisibilityBatch = z.object({
  QueueUrl: queueUrl,
  Entries: z.array(z.object({ Id: entryId, ReceiptHandle: z.string().min(1), VisibilityTimeout: z.number().int() })),
});
const getQueueAttributes = z.object({ QueueUrl: queueUrl, AttributeNames: z.array(z.string()).optional() });
const queueOnly = z.object({ QueueUrl: queueUrl });
const receiveMessage = z.object({
  QueueUrl: queueUrl,
  MaxNumberOfMessages: z.number().int().min(1).max(10).optional(),
  VisibilityTimeout: z.number().int().min(0).max(43_200).optional(),
  WaitTimeSeconds: z.number().int().min(0).max(20).optional(),
  AttributeNames: z.array(z.string()).optional(),
  MessageSystemAttributeNames: z.array(z.string()).optional(),
  MessageAttributeNames: z.array(z.string()).optional(),
});
const deleteMessage = z.object({ QueueUrl: queueUrl, ReceiptHandle: z.string().min(1) });
const deleteMessageBatch = z.object({ QueueUrl: queueUrl, Entries: z.array(z.object({ Id: entryId, ReceiptHandle: z.string().min(1) })) });
const listQueues = z.object({ QueueNamePrefix: z.string().optional(), MaxResults: z.number().int().optional(), NextToken: z.string().optional() });

/** SQS's limit on one message since August 2025 (1 MiB). */
const MAX_MESSAGE_BYTES = 1_048_576;

const invalid = (message: string) => sqsError('InvalidParameterValue', message);
const parse = <S extends z.ZodType>(schema: S, body: unknown): z.infer<S> =>
  parseInput(schema, body, (field, message) =>
    message.includes('received undefined') ? sqsError('MissingParameter', `The request must contain the parameter ${field}.`) : invalid(`${field}: ${message}`),
  );

const toAttributes = (raw: z.infer<typeof messageAttributes>): Record<string, AttributeValue> => {
  const out: Record<string, AttributeValue> = {};
  const entries = Object.entries(raw ?? {});
  if (entries.length > 10) throw invalid('Number of message attributes [' + entries.length + '] exceeds the allowed maximum [10].');
  for (const [name, a] of entries) {
    if (a.DataType.startsWith('Binary')) {
      if (a.BinaryValue === undefined) throw invalid(`Message (user) attribute '${name}' must contain a non-empty value of type 'Binary'.`);
      out[name] = { dataType: a.DataType, binaryValue: Buffer.from(a.BinaryValue, 'base64') };
    } else {
      if (a.StringValue === undefined || a.StringValue === '') {
        throw invalid(`Message (user) attribute '${name}' must contain a non-empty message attribute value for message attribute type '${a.DataType}'.`);
      }
      out[name] = { dataType: a.DataType, stringValue: a.StringValue };
    }
  }
  return out;
};

const checkSize = (body: string): void => {
  if (Buffer.byteLength(body, 'utf8') > MAX_MESSAGE_BYTES) {
    throw invalid(`One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`);
  }
};

const checkBatch = (entries: readonly { Id: string }[]): void => {
  if (entries.length === 0) throw sqsError('EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.', 'AWS.SimpleQueueService.EmptyBatchRequest');
  if (entries.length > 10) {
    throw sqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are 10. You have sent ${entries.length}.`, 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest');
  }
  if (new Set(entries.map((e) => e.Id)).size !== entries.length) {
    throw sqsError('BatchEntryIdsNotDistinct', 'Id values in the batch must be distinct.', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
  }
};

/** A batch entry's failure as SQS reports it. */
const failure = (id: string, err: unknown) => ({
  Id: id,
  SenderFault: true,
  Code: err instanceof AwsError ? err.type.replace(/^.*#/, '') : 'InternalError',
  Message: err instanceof Error ? err.message : 'failed',
});

const ATTRIBUTE_NAMES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'QueueArn',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
  'SqsManagedSseEnabled',
] as const;

/** Builds the SQS operation table; `createdAt` is reported as the queues' creation time. */
export const sqsOperations = (engine: QueueEngine, createdAt = Date.now()): OperationTable => {
  const sendOne = (url: string, e: z.infer<typeof sendMessage> | z.infer<typeof sendMessageBatch>['Entries'][number]) => {
    checkSize(e.MessageBody);
    const sent = engine.send(url, {
      body: e.MessageBody,
      ...(e.DelaySeconds !== undefined && { delaySeconds: e.DelaySeconds }),
      messageAttributes: toAttributes(e.MessageAttributes),
    });
    return {
      MessageId: sent.messageId,
      MD5OfMessageBody: sent.md5OfBody,
      ...(sent.md5OfMessageAttributes !== undefined && { MD5OfMessageAttributes: sent.md5OfMessageAttributes }),
    };
  };

  return {
    SendMessage: async (body) => {
      const input = parse(sendMessage, body);
      return sendOne(input.QueueUrl, input);
    },

    SendMessageBatch: async (body) => {
      const input = parse(sendMessageBatch, body);
      checkBatch(input.Entries);
      engine.queue(input.QueueUrl);
      const total = input.Entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody, 'utf8'), 0);
      if (total > MAX_MESSAGE_BYTES) {
        throw sqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`, 'AWS.SimpleQueueService.BatchRequestTooLong');
      }
      const Successful: Record<string, unknown>[] = [];
      const Failed: ReturnType<typeof failure>[] = [];
      for (const e of input.Entries) {
        try {
          Successful.push({ Id: e.Id, ...sendOne(input.QueueUrl, e) });
        } catch (err) {
          Failed.push(failure(e.Id, err));
        }
      }
      return { Successful, Failed };
    },

    GetQueueUrl: async (body) => {
      const input = parse(getQueueUrl, body);
      engine.queue(input.QueueName);
      return { QueueUrl: engine.url(input.QueueName) };
    },

    ListQueues: async (body) => {
      const input = parse(listQueues, body);
      const names = engine.names().filter((n) => !input.QueueNamePrefix || n.startsWith(input.QueueNamePrefix));
      return { QueueUrls: names.map((n) => engine.url(n)) };
    },

    ChangeMessageVisibility: async (body) => {
      const input = parse(changeVisibility, body);
      engine.changeVisibility(input.QueueUrl, input.ReceiptHandle, input.VisibilityTimeout);
      return {};
    },

    ChangeMessageVisibilityBatch: async (body) => {
      const input = parse(changeVisibilityBatch, body);
      checkBatch(input.Entries);
      const Successful: { Id: string }[] = [];
      const Failed: ReturnType<typeof failure>[] = [];
      for (const e of input.Entries) {
        try {
          engine.changeVisibility(input.QueueUrl, e.ReceiptHandle, e.VisibilityTimeout);
          Successful.push({ Id: e.Id });
        } catch (err) {
          Failed.push(failure(e.Id, err));
        }
      }
      return { Successful, Failed };
    },

    GetQueueAttributes: async (body) => {
      const input = parse(getQueueAttributes, body);
      const spec = engine.spec(input.QueueUrl);
      const stats = engine.stats()[spec.name]!;
      const wanted = input.AttributeNames ?? [];
      const all = wanted.includes('All');
      for (const name of wanted) {
        if (name !== 'All' && !(ATTRIBUTE_NAMES as readonly string[]).includes(name)) throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      }
      const values: Record<(typeof ATTRIBUTE_NAMES)[number], string | undefined> = {
        ApproximateNumberOfMessages: String(stats.visible),
        ApproximateNumberOfMessagesNotVisible: String(stats.inFlight),
        ApproximateNumberOfMessagesDelayed: String(stats.delayed),
        CreatedTimestamp: String(Math.floor(createdAt / 1000)),
        LastModifiedTimestamp: String(Math.floor(createdAt / 1000)),
        DelaySeconds: String(spec.delaySeconds ?? 0),
        MaximumMessageSize: String(MAX_MESSAGE_BYTES),
        MessageRetentionPeriod: '345600',
        QueueArn: engine.arn(spec.name),
        ReceiveMessageWaitTimeSeconds: '0',
        VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
        RedrivePolicy: spec.redrive
          ? JSON.stringify({ deadLetterTargetArn: engine.arn(spec.redrive.deadLetterQueue), maxReceiveCount: spec.redrive.maxReceiveCount })
          : undefined,
        SqsManagedSseEnabled: 'true',
      };
      const Attributes: Record<string, string> = {};
      for (const name of ATTRIBUTE_NAMES) {
        const v = values[name];
        if (v !== undefined && (all || wanted.includes(name))) Attributes[name] = v;
      }
      return { Attributes };
    },

    PurgeQueue: async (body) => {
      engine.purge(parse(queueOnly, body).QueueUrl);
      return {};
    },

    ReceiveMessage: async (body) => {
      const input = parse(receiveMessage, body);
      const got = await engine.receive(input.QueueUrl, input.MaxNumberOfMessages ?? 1, {
        ...(input.VisibilityTimeout !== undefined && { visibilityTimeoutSeconds: input.VisibilityTimeout }),
        ...(input.WaitTimeSeconds !== undefined && { waitSeconds: input.WaitTimeSeconds }),
      });
      const systemNames = [...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])];
      const userNames = input.MessageAttributeNames ?? [];
      const wantsUser = (name: string) =>
        userNames.some((n) => n === 'All' || n === '.*' || n === name || (n.endsWith('.*') && name.startsWith(n.slice(0, -1))));
      return {
        Messages: got.map((m) => {
          const attributes = Object.fromEntries(Object.entries(m.attributes).filter(([k]) => systemNames.includes('All') || systemNames.includes(k)));
          const user = Object.entries(m.messageAttributes).filter(([k]) => wantsUser(k));
          // SQS digests only the attributes it returns.
          const digest = md5OfAttributes(Object.fromEntries(user));
          return {
            MessageId: m.messageId,
            ReceiptHandle: m.receiptHandle,
            MD5OfBody: m.md5OfBody,
            Body: m.body,
            ...(Object.keys(attributes).length > 0 && { Attributes: attributes }),
            ...(user.length > 0 && {
              MD5OfMessageAttributes: digest,
              MessageAttributes: Object.fromEntries(
                user.map(([k, a]) => [
                  k,
                  { DataType: a.dataType, ...(a.stringValue !== undefined && { StringValue: a.stringValue }), ...(a.binaryValue && { BinaryValue: a.binaryValue.toString('base64') }) },
                ]),
              ),
            }),
          };
        }),
      };
    },

    DeleteMessage: async (body) => {
      const input = parse(deleteMessage, body);
      engine.delete(input.QueueUrl, input.ReceiptHandle);
      return {};
    },

    DeleteMessageBatch: async (body) => {
      const input = parse(deleteMessageBatch, body);
      checkBatch(input.Entries);
      const Successful: { Id: string }[] = [];
      const Failed: ReturnType<typeof failure>[] = [];
      for (const e of input.Entries) {
        try {
          engine.delete(input.QueueUrl, e.ReceiptHandle);
          Successful.push({ Id: e.Id });
        } catch (err) {
          Failed.push(failure(e.Id, err));
        }
      }
      return { Successful, Failed };
    },
  };
};
