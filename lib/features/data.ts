/** Data: the DynamoDB tables of the topology, encrypted with the stack's key. */
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ReachTable } from '../constructs/table';
import { tables as tableDefs, type TableId } from '../topology';

export interface DataProps {
  readonly key: IKey;
}

export class Data extends Construct {
  readonly tables: Readonly<Record<TableId, ReachTable>>;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const built = new Map<TableId, ReachTable>();
    for (const def of tableDefs) built.set(def.id, new ReachTable(this, def.id, { def, key: props.key }));
    const get = (tid: TableId): ReachTable => {
      const table = built.get(tid);
      if (table === undefined) throw new Error(`topology defines no table ${tid}`);
      return table;
    };
    this.tables = {
      Connections: get('Connections'),
      History: get('History'),
      Posts: get('Posts'),
      Jobs: get('Jobs'),
      Events: get('Events'),
      Control: get('Control'),
      // Created whichever token store the stage uses: switching stores later adds no stateful resource.
      Tokens: get('Tokens'),
    };
  }

  /** Every table, in topology order. */
  all(): ReachTable[] {
    return Object.values(this.tables);
  }
}
