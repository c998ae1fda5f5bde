// The machine's own platform, as a builder running here builds for by default (the only platform question that
// reads the process: kept out of the pure engine).

/** The builder's platform when it runs on this machine: Linux containers of the host's architecture. */
export function hostPlatform(): string {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  return 'linux/' + (arch[process.arch] ?? process.arch);
}
