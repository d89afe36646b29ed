// The views of a cluster live with the engine's ports (src/engine/ports/cluster-views.ts), as do the
// ports the adapter implements (cluster.ts there); the views are re-exported here for the planner,
// preflight and the adapter's own modules.
export { ANNOTATIONS } from '../engine/ports/cluster-views.ts';
export type {
  BudgetFeed,
  ClusterSnapshot,
  ContainerImage,
  CordonResult,
  Denial,
  EvictionAnswer,
  LeaseHolder,
  LeaseResult,
  NodeActionRequest,
  NodePods,
  NodeView,
  OwnerView,
  PdbView,
  PodRef,
  PodView,
  Resources,
  WorkloadView,
} from '../engine/ports/cluster-views.ts';
