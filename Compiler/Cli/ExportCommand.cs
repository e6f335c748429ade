using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using Nabla.Checkpoints;
using Nabla.Onnx;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla export &lt;model&gt; [--weights FILE.safetensors] -o FILE.onnx</c>: writes a network's inference function as an
/// ONNX model (opset 17, symbolic batch dimension; see <see cref="OnnxExporter"/>). <see cref="Create"/> declares the
/// arguments (System.CommandLine); the work is <see cref="Export"/>, which takes already-parsed values.
/// </summary>
public sealed class ExportCommand : ICommand
{
    /// <inheritdoc/>
    public string Name => "export";
    /// <inheritdoc/>
    public string Summary => "write a network's inference function as an ONNX model (opset 17) for ONNX Runtime and other tools";
    /// <inheritdoc/>
    public Command Create()
    {
        var model = CommandLine.Describe(new Argument<string>("model")
        {
            Description = "mlp:IN,H1,...,OUT (dense layers, ReLU between, as nabla build takes it) or FILE.cs ([Network] static " +
                          "partial classes with static Model Build()); write -- before a <model> that starts with -",
        }, "a model", "missing the model, e.g. nabla export mlp:40,100,100,10 -o mlp.onnx", "give one model");
        var output = CommandLine.Describe(new Option<string>("-o", "--output")
        {
            Description = "the ONNX file to write (written atomically)",
            HelpName = "FILE.onnx",
            Required = true,
        }, "a value", "missing -o FILE.onnx (where to write the model)");
        var weights = new Option<string>("--weights")
        {
            Description = "a safetensors checkpoint (Network.Save, or a PyTorch state dict of the same names); without it the " +
                          "model's initial weights are exported (drawn from the seed), and the command says so",
            HelpName = "FILE.safetensors",
        };
        var network = new Option<string>("--network") { Description = "which [Network] class of a .cs file with several", HelpName = "NAME" };
        var seed = ModelSpec.SeedOption();
        var command = new Command(Name, Summary) { model, output, weights, network, seed };
        CommandLine.Examples(command, "example: nabla export mlp:40,100,100,10 --weights run/best.safetensors -o mlp.onnx");
        command.SetAction(CommandLine.Action((r, stdout) =>
        {
            Export(new Options(r.GetValue(model)!, r.GetValue(output)!, r.GetValue(weights), r.GetValue(network), r.GetValue(seed)), stdout);
            return CommandLine.Ok;
        }));
        return command;
    }

    /// <summary>The options of one export, already parsed.</summary>
    /// <param name="Model">A spec (<c>mlp:40,100,10</c>) or a C# file holding <c>[Network]</c> classes.</param>
    /// <param name="Output">The ONNX file to write.</param>
    /// <param name="Weights">A safetensors checkpoint, or null for the model's initial weights.</param>
    /// <param name="Network">The <c>[Network]</c> class to export when the file has several (its simple or full name).</param>
    /// <param name="Seed">The initial-weight seed of a spec.</param>
    public sealed record Options(string Model, string Output, string? Weights = null, string? Network = null, long Seed = 0);

    /// <summary>
    /// Builds the model, loads the weights (or reports that the initial ones are used), exports and writes one line per
    /// fact to <paramref name="stdout"/>. Problems with the input (a bad spec or file, weights that do not fit, an op with
    /// no ONNX form) are <see cref="InputException"/>s with one-line messages.
    /// </summary>
    public static void Export(Options o, TextWriter stdout)
    {
        if (o is null) throw new ArgumentNullException(nameof(o));
        if (stdout is null) throw new ArgumentNullException(nameof(stdout));
        if (string.IsNullOrWhiteSpace(o.Output)) throw new InputException("missing -o FILE.onnx (where to write the model)");
        var (model, described) = o.Model.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) ? FromFile(o.Model, o.Network) : FromSpec(o.Model, o.Seed);
        if (o.Weights is not null)
        {
            int n = LoadWeights(model, o.Weights);
            stdout.WriteLine($"weights: {n} tensors from {o.Weights}");
        }
        else
            stdout.WriteLine($"no --weights: exporting the initial weights of {described} (seed {model.Seed.ToString(CultureInfo.InvariantCulture)}), not a trained network");
        try
        {
            OnnxExporter.Export(model, o.Output);
        }
        catch (OnnxExportException e)
        {
            throw new InputException(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot write '{o.Output}': {e.Message}");
        }
        var size = new FileInfo(o.Output).Length;
        stdout.WriteLine($"wrote {o.Output} ({size.ToString("N0", CultureInfo.InvariantCulture)} bytes): ONNX opset {OnnxExporter.Opset}, input {Describe(model.Inputs.Select(i => (i.Name, i.Shape)))}, {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters");
    }

    private static string Describe(IEnumerable<(string Name, Nabla.Ir.Shape Shape)> inputs) =>
        string.Join(", ", inputs.Select(i => i.Name + "[" + string.Join(",", i.Shape.Dims.Select(d => d == Nabla.Ir.Shape.Batch ? OnnxExporter.BatchDimension : d.ToString(CultureInfo.InvariantCulture))) + "]"));

    /// <summary>The model of <c>mlp:IN,H1,...,OUT</c>, exactly as <c>nabla build</c> writes it (dense layers, ReLU between).</summary>
    private static (Model, string) FromSpec(string spec, long seed)
    {
        if (!ModelSpec.IsSpec(spec))
            throw new InputException($"unknown model '{spec}': give mlp:IN,H1,...,OUT or a .cs file with a [Network] class");
        return (ModelSpec.Build(spec, seed), spec);
    }

    /// <summary>Compiles the C# file as <c>nabla build</c> does and calls the chosen <c>[Network]</c> class's <c>Build()</c>.</summary>
    private static (Model, string) FromFile(string path, string? network)
    {
        string source;
        try
        {
            var bytes = Nabla.IO.InputFile.ReadAllBytes(path, BuildCommand.MaxSourceBytes);
            using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            source = reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InputException($"cannot read '{path}': {e.Message}");
        }
        var name = "NablaExport_" + Guid.NewGuid().ToString("N");
        var built = ModelAssembly.Build(source, path, name, null);
        var assembly = Assembly.Load(built.Bytes);
        var classes = assembly.GetTypes().Where(t => t.GetCustomAttribute<NetworkAttribute>() is not null).ToArray();
        var chosen = network is null ? classes
            : classes.Where(t => t.Name == network || t.FullName == network).ToArray();
        if (chosen.Length == 0)
            throw new InputException($"'{path}' has no [Network] class named '{network}' (it has: {string.Join(", ", classes.Select(t => t.FullName))})");
        if (chosen.Length > 1)
            throw new InputException($"'{path}' has {chosen.Length} [Network] classes ({string.Join(", ", chosen.Select(t => t.FullName))}); choose one with --network NAME");
        var type = chosen[0];
        var build = type.GetMethod("Build", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, Type.EmptyTypes)
            ?? throw new InputException($"[Network] class {type.FullName} has no static Model Build()");
        try
        {
            return ((Model)build.Invoke(null, null)!, type.FullName!);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InputException($"{type.FullName}.Build() failed: {e.InnerException.Message}");
        }
    }

    /// <summary>Copies every parameter and buffer from the checkpoint into the model (optimizer state is ignored); the file must hold each one and nothing else.</summary>
    private static int LoadWeights(Model model, string path)
    {
        try
        {
            var file = SafeTensors.Load(path);
            var entries = model.Parameters.Entries;
            foreach (var e in entries)
                if (!file.Contains(e.Name))
                    throw new InputException($"cannot use weights '{path}': it has no tensor '{e.Name}' (the model's {e.Parameter.Shape}); it has: {string.Join(", ", file.Names.Take(20))}");
            var known = new HashSet<string>(entries.Select(e => e.Name), StringComparer.Ordinal);
            var extra = file.Names.FirstOrDefault(n => !known.Contains(n) && !n.StartsWith(Checkpoint.OptimizerPrefix, StringComparison.Ordinal));
            if (extra is not null) throw new InputException($"cannot use weights '{path}': tensor '{extra}' is not a parameter of the model (it has: {string.Join(", ", known.Take(20))})");
            foreach (var e in entries) file[e.Name].CopyTo(e.Parameter.Data, e.Parameter.Shape.ToArray(), path);
            return entries.Count;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or CheckpointException)
        {
            throw new InputException($"cannot use weights '{path}': {e.Message}");
        }
    }
}
