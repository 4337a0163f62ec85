/**
 * The table factory: one topology table definition in, one DynamoDB table out, on demand, with
 * point-in-time recovery, encrypted with the stack's customer-managed key, TTL and GSIs as the
 * topology says, retained (and protected) when the stack or the resource is deleted.
 */
import { CfnResource, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { KeyDef, TableDef } from '../topology';

export interface ReachTableProps {
  readonly def: TableDef;
  readonly key: IKey;
}

const attribute = (k: KeyDef): Attribute => ({ name: k.name, type: k.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING });

/** The logical id a topology table keeps in the template for its whole life. */
export const tableLogicalId = (def: Pick<TableDef, 'id'>): string => `${def.id}Table`;

/** A DynamoDB table of the topology. */
export class ReachTable extends Construct {
  readonly def: TableDef;
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ReachTableProps) {
    super(scope, id);
    const { def } = props;
    this.def = def;
    this.table = new Table(this, 'Table', {
      partitionKey: attribute(def.partitionKey),
      ...(def.sortKey !== undefined && { sortKey: attribute(def.sortKey) }),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      ...(def.ttlAttribute !== undefined && { timeToLiveAttribute: def.ttlAttribute }),
      // Tables hold users' connections, history and posts: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    for (const index of def.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey !== undefined && { sortKey: attribute(index.sortKey) }),
        // Readers get whole items from the index: no second GetItem per due connection or post target.
        projectionType: ProjectionType.ALL,
      });
    }
    // A refactor of construct paths must never replace a table (that would lose its data).
    (this.table.node.defaultChild as CfnResource).overrideLogicalId(tableLogicalId(def));
  }

  /** The table's physical name (the value of its `TABLE_*` environment variable). */
  get tableName(): string {
    return this.table.tableName;
  }
}
