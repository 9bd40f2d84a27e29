// Pinned versions of everything the local control plane is built from. The Go
// wrapper modules under ./go pin the same versions; a unit test keeps them in sync.
export const versions = {
  kubernetes: 'v1.36.3',
  etcd: 'v3.6.8',
  certManager: 'v1.21.1',
  /** Prometheus 3.16.0, for promtool (rule checks and rule unit tests). */
  prometheus: 'v0.316.0',
  /**
   * Only its published CRD YAML (example/prometheus-operator-crd) is used: the
   * ServiceMonitor and PrometheusRule schemas the monitoring component must pass.
   * Fetched through the Go module proxy, which does not serve every tag.
   */
  prometheusOperator: 'v0.89.0',
  /** The helm CLI that lints, renders and installs charts/skupper-cert-rotator in the tests. */
  helm: 'v3.22.0',
} as const;
