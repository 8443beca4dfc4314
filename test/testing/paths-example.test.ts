// The README's recipe, run with the rest of the suite: examples/path-tests
// replays every generated path through a data layer on a held fetch.
import '../../examples/path-tests/schemaApi.paths.test.js';
