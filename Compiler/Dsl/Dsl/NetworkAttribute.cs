using System;

namespace Nabla;

/// <summary>
/// Marks a <c>static partial class</c> whose network the Nabla source generator compiles at build time. The class
/// declares <c>static Model Build()</c> — the network, its input and seed, written in the DSL exactly as at run time
/// (<c>Model.Build(new Sequential(new Dense(40, 100), new ReLU(), new Dense(100, 10)), inputWidth: 40)</c>) — and the
/// generator adds the compiled model (<c>Compiled</c>, a <c>CompiledModel&lt;float&gt;</c> with ordinary C# methods)
/// and the glue that binds it to the weights <c>Build()</c> draws, so nothing is compiled at run time. The network
/// method may use the subset of C# the generator evaluates (locals, DSL constructors and calls, constants, loops);
/// anything else is a <c>NABLA…</c> diagnostic at its location. The attribute lives in <c>Nabla.Dsl</c>, which every
/// project writing networks references; it has no effect at run time.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
}
