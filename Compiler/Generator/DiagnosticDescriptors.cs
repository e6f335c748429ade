using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Nabla.Generator;

/// <summary>
/// Every diagnostic the Nabla generator reports: id, title, message and help text (also in the README's
/// "Compile at build time" table). Errors stop generation for that class; nothing else is affected.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Nabla.Generator";

    /// <summary>NABLA000: an exception escaped the generator (a bug); the message carries it.</summary>
    public static readonly DiagnosticDescriptor InternalError = Make("NABLA000", "Nabla generator internal error",
        "The Nabla generator failed on '{0}': {1}",
        "An unexpected exception inside the generator. The class gets no generated code. Please report it with the network method.");

    /// <summary>NABLA001: the [Network] class is not a non-generic static partial class.</summary>
    public static readonly DiagnosticDescriptor NotStaticPartial = Make("NABLA001", "A [Network] class must be a static partial class",
        "The [Network] class '{0}' must be a non-generic 'static partial class' (nested only in partial, non-generic classes)",
        "The generator adds members (the compiled model and its factory) to the class, so it must be partial; it holds only static network methods, so it must be static.");

    /// <summary>NABLA002: no Build method.</summary>
    public static readonly DiagnosticDescriptor MissingBuild = Make("NABLA002", "The [Network] class needs a Build method",
        "The [Network] class '{0}' has no method 'static Model Build()': declare one that builds the network with the DSL, e.g. Model.Build(new Sequential(...), inputWidth: 40)",
        "Build() is the network, written as at run time: the generator evaluates it at build time, and your program calls it to get the initial weights and the summary.");

    /// <summary>NABLA003: a network method has the wrong shape.</summary>
    public static readonly DiagnosticDescriptor BadNetworkMethod = Make("NABLA003", "A network method has the wrong signature",
        "'{0}' must be a static method with no parameters returning '{1}', with a body",
        "The generator evaluates Build() (returning Nabla.Model) and, when present, Training() (returning the training setup) without arguments.");

    /// <summary>NABLA004: a statement or expression outside the evaluated subset.</summary>
    public static readonly DiagnosticDescriptor UnsupportedSyntax = Make("NABLA004", "Construct not supported in a network method",
        "'{0}' is not supported in a network method ({1})",
        "At build time the generator evaluates: locals, assignments, constants and arithmetic, string interpolation, if/else, for/foreach/while loops, arrays, " +
        "collection expressions and initializers, tuples, lambdas and method groups, and calls of the DSL and of static members of the [Network] class.");

    /// <summary>NABLA005: a member the generator cannot call at build time.</summary>
    public static readonly DiagnosticDescriptor UnavailableMember = Make("NABLA005", "Member not available at build time",
        "'{0}' cannot be evaluated at build time: a network method may use the Nabla DSL (Nabla.Dsl, Nabla.Ir), System.Math, List<T>, arrays, tuples, strings, System.Linq.Enumerable and the static members of its own [Network] class",
        "The generator runs the network method inside the compiler, where only the DSL and a few pure library types exist; compute other values elsewhere and pass them in as constants.");

    /// <summary>NABLA006: a Module type the generator does not have.</summary>
    public static readonly DiagnosticDescriptor UnknownLayer = Make("NABLA006", "Unknown layer",
        "'{0}' is not a layer the generator knows: at build time a network may use the DSL's layers (Dense, Conv1d, ReLU, Dropout, …), Sequential, Residual, Networks.* and Module.Lambda",
        "A Module subclass defined in your project is not compiled yet when the generator runs. Write its computation with Module.Lambda (the functional API) instead, or compile the network at run time with Nabla.Jit.");

    /// <summary>NABLA007: the DSL rejected the network (shapes, widths, losses).</summary>
    public static readonly DiagnosticDescriptor InvalidNetwork = Make("NABLA007", "The network is invalid",
        "The network is invalid: {0}",
        "Tracing the network at build time found a mismatch (a layer's input width, a reshape, a loss's target shape). The location is the layer (or call) that failed.");

    /// <summary>NABLA008: a DSL call threw at build time (a bad argument).</summary>
    public static readonly DiagnosticDescriptor EvaluationFailed = Make("NABLA008", "A network method call failed at build time",
        "Evaluating '{0}' at build time failed: {1}",
        "A DSL constructor or call rejected its arguments (a negative width, an unknown activation name, ...); the same call would fail at run time.");

    /// <summary>NABLA009: a loop without a constant bound.</summary>
    public static readonly DiagnosticDescriptor LoopLimit = Make("NABLA009", "Loop does not finish at build time",
        "The loop ran {0} iterations at build time without finishing: loops in a network method need small constant bounds",
        "Network methods are evaluated in the compiler, so every loop must end after a few iterations (one per layer).");

    /// <summary>NABLA010: a member of the user's class hides a name the generated code uses.</summary>
    public static readonly DiagnosticDescriptor NameClash = Make("NABLA010", "Member hides a name of the generated code",
        "The member '{0}' of the [Network] class hides '{0}', which the generated model code uses: rename the member",
        "The compiled model is nested in the [Network] class, so the class's members are in scope in the generated code.");

    /// <summary>NABLA011: a network method returned something unusable.</summary>
    public static readonly DiagnosticDescriptor WrongResult = Make("NABLA011", "A network method returned no usable value",
        "'{0}' returned {1} at build time; it must return a {2}",
        "Build() must return the Model (not null); Training() must return the training setup.");

    /// <summary>NABLA012: helper methods recurse too deeply.</summary>
    public static readonly DiagnosticDescriptor RecursionLimit = Make("NABLA012", "Recursion too deep at build time",
        "'{0}' nests more than {1} calls at build time",
        "Helper methods of the [Network] class may call each other, but not without bound.");

    /// <summary>NABLA013: a custom op's forward or derivative rules failed while the model was differentiated and lowered.</summary>
    public static readonly DiagnosticDescriptor InvalidCustomOp = Make("NABLA013", "A custom op failed at build time",
        "The custom op '{0}' failed while the model was differentiated and compiled: {1}",
        "The generator runs a custom op's forward, VJP and JVP (Op.Define) at build time, as Nabla.Jit does at run time. The location is the Op.Define call; " +
        "a rule must return one entry per input, shaped like that input (or null), built from the op's inputs, output and adjoint only.");

    /// <summary>Every descriptor, by id.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = new[]
    {
        InternalError, NotStaticPartial, MissingBuild, BadNetworkMethod, UnsupportedSyntax, UnavailableMember, UnknownLayer,
        InvalidNetwork, EvaluationFailed, LoopLimit, NameClash, WrongResult, RecursionLimit, InvalidCustomOp,
    };

    private static readonly Dictionary<string, DiagnosticDescriptor> Index = All.ToDictionary(d => d.Id);

    /// <summary>The descriptor with id <paramref name="id"/>.</summary>
    public static DiagnosticDescriptor ById(string id) =>
        Index.TryGetValue(id, out var d) ? d : throw new ArgumentException($"No Nabla diagnostic {id}.", nameof(id));

    private static DiagnosticDescriptor Make(string id, string title, string message, string help) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, description: help);
}
