/** TypeBox schemas shared by the /api/v2 routes: path parameters, paging and ordering. */
import { Type, type TSchema } from '@sinclair/typebox';

export const DagParams = Type.Object({ dag_id: Type.String() });
export const RunParams = Type.Object({ dag_id: Type.String(), dag_run_id: Type.String() });
export const TiParams = Type.Object({ dag_id: Type.String(), dag_run_id: Type.String(), task_id: Type.String() });

export const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 0 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
  order_by: Type.Optional(Type.Union([Type.Array(Type.String()), Type.String()])),
};

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const StrArray = Type.Optional(Type.Array(Type.String()));
