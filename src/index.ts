/** @module aisf: the AI security framework as a library (catalogue, errors; more areas as they land). */
export * from './catalog/index.js';
export * from './errors.js';
