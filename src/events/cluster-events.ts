import type { Fact } from '../../machines/common.ts';

/** Facts with no lifecycle machine: servers, rules, datasource metadata, compaction configs. */

export type ServerKind = 'historical' | 'indexer' | 'broker' | 'coordinator' | 'overlord' | 'metastore' | 'supervisor';

export type ServerJoined = Fact<'ServerJoined', { serverId: string; kind: ServerKind; tier: string; capacity: number }>;
export type ServerLeft = Fact<'ServerLeft', { serverId: string; reason: string }>;
export type ServerEvent = ServerJoined | ServerLeft;

/** Druid retention rule JSON, validated by src/rules before it is appended. */
export type RuleJson = Record<string, unknown> & { type: string };
/** `dataSource` is `_default` for the cluster default rules. */
export type RulesSet = Fact<'RulesSet', { dataSource: string; rules: RuleJson[]; comment?: string }>;
export type RulesEvent = RulesSet;

/** A supervisor reset forgets the committed stream offsets of its datasource. */
export type DataSourceMetadataReset = Fact<'DataSourceMetadataReset', { dataSource: string; stream: string }>;
export type DataSourceEvent = DataSourceMetadataReset;

/** Druid's auto-compaction config for one datasource; `config: null` removes it. */
export type CompactionConfigSet = Fact<'CompactionConfigSet', { dataSource: string; config: Record<string, unknown> | null }>;
export type CompactionEvent = CompactionConfigSet;
