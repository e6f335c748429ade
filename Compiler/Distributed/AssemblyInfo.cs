using System.Runtime.CompilerServices;

// The tests check the parsing of the timeout variable and the flattening of MPI error texts directly.
[assembly: InternalsVisibleTo("Nabla.Tests")]
