/** The tool version reports and bundles record (kept equal to package.json by a test). */
export const TOOL_VERSION = '0.1.0';
