// Quiet the AWS SDK's Node 20 notice and keep SDK clients from looking for real credentials.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
// Logs stay quiet in tests unless asked for (REACH_TEST_LOGS=1); the log-scan tests turn them on.
process.env.POWERTOOLS_LOG_LEVEL ??= process.env.REACH_TEST_LOGS ? 'DEBUG' : 'SILENT';
// Metric records (EMF) stay off stdout too; the metrics tests turn them on where they read them.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// No X-Ray outside Lambda: without this, importing the tracer would load the X-Ray SDK and its async hooks.
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
