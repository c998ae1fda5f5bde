// Docker Engine API client (context layer): endpoint resolution as the docker CLI does it, and requests.
export * from './client';
