/**
 * Imported first by the bench entry points: the handler modules that the bench loads directly (the
 * composition root, the observability module) create their logger and metrics when first imported,
 * before a local runtime could set their environment, so the bench's own defaults go here. A
 * caller's LOG_LEVEL or POWERTOOLS_* setting still wins.
 */
process.env['POWERTOOLS_LOG_LEVEL'] ??= process.env['LOG_LEVEL'] ?? 'ERROR';
process.env['POWERTOOLS_METRICS_DISABLED'] ??= 'true';
process.env['POWERTOOLS_TRACE_ENABLED'] ??= 'false';
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
