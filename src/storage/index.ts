export { DeepStorageError, keyPath, type DeepStorage, type SegmentKey } from './deep-storage.ts';
export { LocalDeepStorage } from './local.ts';
