export * from './disk';
export * from './git';
export * from './config';
export * from './discover';
export * from './platform';
