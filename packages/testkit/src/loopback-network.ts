/**
 * What tests and benchmarks let their tasks reach on the private network: loopback only, where
 * their fixture sites and helper servers listen (`localhost` resolves to 127.0.0.1 and ::1). Pass
 * it as `allowPrivateNetwork` to BrowserPool.launch or startServer; the harnesses do.
 */
export const loopbackNetworkAllowance: readonly string[] = ['127.0.0.0/8', '::1'];
