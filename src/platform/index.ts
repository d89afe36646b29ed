// The platform stack's public surface: workspace files, their diff and upgrade order, the steps of each
// component's upgrade as data, and the deployments post-check. The engine's platform phase wires these.
export { BUILTIN_CHECKS, BUILTIN_CHECK_NAMES } from './builtin-checks.ts';
export type { BuiltinCheck, BuiltinCheckName } from './builtin-checks.ts';
export { changelogBetween, parseChangelog } from './changelog.ts';
export type { ChangelogEntry, ChangelogSpan } from './changelog.ts';
export { readChangelogs } from './changelog-read.ts';
export { checkDeployments, deploymentsMeasurement, imageTag, judgeDeployment } from './deployments-check.ts';
export type { DeploymentResult } from './deployments-check.ts';
export { diffWorkspaces, hasChanges } from './diff.ts';
export type { AddedComponent, ChangedField, RemovedComponent, UnchangedComponent, UpgradedComponent, WorkspaceDiff } from './diff.ts';
export { upgradeOrder } from './graph.ts';
export type { OrderedComponent } from './graph.ts';
export { loadWorkspaceFile, parseWorkspace, problemAt } from './load.ts';
export type { LoadedWorkspace } from './load.ts';
export { diffJson, renderDiff } from './render-diff.ts';
export type { DiffJson } from './render-diff.ts';
export { TEMPLATE_VARIABLES, WorkspaceSchema } from './schema.ts';
export type { Component, ComponentBackup, ComponentChecks, Workspace } from './schema.ts';
export { compareVersions, direction, parseVersion } from './semver.ts';
export type { Direction } from './semver.ts';
export { componentSteps, objectName, platformSteps, renderCommand } from './steps.ts';
export type { ComponentStep, DeploymentExpectation, PostCheck, PostStep, PreStep, StepContext, StepVars, UpgradeStep, VeleroBackupObject } from './steps.ts';
