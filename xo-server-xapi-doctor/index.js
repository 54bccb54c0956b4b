'use strict';
// xo-server-xapi-doctor: the entry point xo-server's plugin loader imports. The loader reads
// the default export (for CommonJS, `module.exports`) as the factory and its
// `configurationSchema` and `testSchema` properties, calls the factory with
// `{ staticConfig, xo, getDataDir }` and drives the instance (see lib/plugin.js).
//
// Requiring xapi-doctor compiles its WebAssembly module once, synchronously, in xo-server's
// process.

const { XapiDoctorPlugin } = require('./lib/plugin.js');
const { configurationSchema, testSchema } = require('./lib/schema.js');

function pluginFactory({ xo, staticConfig } = {}) {
  return new XapiDoctorPlugin({ xo, staticConfig });
}
pluginFactory.configurationSchema = configurationSchema;
pluginFactory.testSchema = testSchema;

module.exports = pluginFactory;
