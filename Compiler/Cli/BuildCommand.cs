using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla build &lt;model&gt; -o &lt;dir&gt;</c>: compiles a network ahead of time into a model assembly (DLL) that
/// needs no compiler at run time. <c>&lt;model&gt;</c> is either a spec, <c>mlp:40,100,100,10</c> (dense layers with ReLU
/// between them, softmax cross-entropy), or a C# file holding <c>[Network]</c> classes written exactly as for the
/// source generator. The generator runs on it, and the user code plus the generated model are compiled (Roslyn, to
/// disk) into <c>DIR/NAME.dll</c>. <c>--weights FILE</c> embeds a safetensors checkpoint (checked against the
/// model's parameters) and adds <c>CreateTrainedNetwork()</c>. The DLL is compiled against the net10.0 reference
/// assemblies, so it targets net10.0: a project targeting net10.0 (or later) references it together with the Nabla
/// library, like any library.
/// </summary>
public sealed partial class BuildCommand : ICommand
{
    /// <inheritdoc/>
    public string Name => "build";

    /// <inheritdoc/>
    public string Summary => "compile a network ahead of time into a model assembly (DLL) that needs no compiler at run time";

    /// <inheritdoc/>
    public Command Create()
    {
        var model = CommandLine.Describe(new Argument<string>("model")
        {
            Description = "mlp:IN,H1,...,OUT (dense layers, ReLU between, softmax cross-entropy) or FILE.cs ([Network] static partial " +
                          "classes, as for the source generator); write -- before a <model> that starts with -",
        }, "a model", "missing the model, e.g. nabla build mlp:40,100,100,10 -o out/models", "give one model");
        var output = CommandLine.Describe(new Option<string>("-o", "--output")
        {
            Description = "where to write NAME.dll (created if missing; it targets net10.0: reference it with the Nabla library)",
            HelpName = "DIR",
            Required = true,
        }, "a value", "missing -o DIR (where to write the model assembly)");
        var name = new Option<string>("--name") { Description = "assembly name (default: the class name for a spec, the file name for a .cs file)", HelpName = "NAME" };
        var weights = new Option<string>("--weights")
        {
            Description = "embed a safetensors checkpoint (PyTorch state-dict names) and add CreateTrainedNetwork()",
            HelpName = "FILE.safetensors",
        };
        var optimizer = new Option<string>("--optimizer")
        {
            Description = "the training setup of a spec: sgd or adam",
            HelpName = "sgd|adam",
            DefaultValueFactory = _ => "adam",
            CustomParser = r =>
            {
                var text = r.Tokens.Count == 1 ? r.Tokens[0].Value.ToLowerInvariant() : "";
                if (text is not ("adam" or "sgd")) r.AddError($"unknown optimizer '{text}' (sgd or adam)");
                return text;
            },
        };
        var lr = new Option<double>("--lr")
        {
            Description = "the learning rate of a spec",
            HelpName = "X",
            DefaultValueFactory = _ => 0.01,
            CustomParser = r =>
            {
                var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v > 0) || double.IsInfinity(v))
                    r.AddError($"--lr needs a positive number, not '{text}'");
                return v;
            },
        };
        var seed = ModelSpec.SeedOption();
        var command = new Command(Name, Summary) { model, output, name, weights, optimizer, lr, seed };
        CommandLine.Examples(command, "example: nabla build mlp:40,100,100,10 -o out/models");
        command.SetAction(CommandLine.Action((r, stdout) => Run(
            new Options(r.GetValue(model)!, r.GetValue(output)!, r.GetValue(name), r.GetValue(weights), r.GetValue(optimizer)!, r.GetValue(lr), r.GetValue(seed)), stdout)));
        return command;
    }

    /// <summary>The namespace of classes made from a spec.</summary>
    public const string SpecNamespace = "NablaModels";

    private static int Run(Options o, TextWriter stdout)
    {
        if (string.IsNullOrWhiteSpace(o.Output)) throw new InputException("-o: the folder name is empty (write -o . for the current folder)");
        var (source, file, defaultName) = o.Model.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)
            ? ReadSource(o.Model)
            : FromSpec(o.Model, o.Optimizer, o.Lr, o.Seed);
        var name = o.Name ?? defaultName;
        if (!IsAssemblyName(name)) throw new InputException($"'{name}' is not a valid assembly name (letters, digits, '_' and '.')");
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
            throw new InputException($"the assembly name is {System.Text.Encoding.UTF8.GetByteCount(name)} bytes long; at most {MaxNameBytes} make a file name (give a shorter --name)");
        var path = Path.Combine(o.Output, name + ".dll");
        Target(o.Output, path);   // a device, a FIFO or a file as the folder fails now, not after the compile
        var built = ModelAssembly.Build(source, file, name, o.Weights);
        Write(path, built.Bytes);
        stdout.WriteLine($"wrote {path} ({built.Bytes.Length.ToString("N0", CultureInfo.InvariantCulture)} bytes)");
        foreach (var c in built.Classes) stdout.WriteLine("  " + c);
        return CommandLine.Ok;
    }

    /// <summary>The longest assembly name, in UTF-8 bytes: NAME.dll must be a file name (255 bytes on most file systems).</summary>
    public const int MaxNameBytes = 200;

    private sealed record Options(string Model, string Output, string? Name, string? Weights, string Optimizer, double Lr, long Seed);

    /// <summary>The C# file's text, its name for locations, and the default assembly name (the file name).</summary>
    private static (string Source, string File, string Name) ReadSource(string path)
    {
        try
        {
            // A regular file only (a FIFO would block, /dev/zero never ends), of at most MaxSourceBytes.
            var bytes = Nabla.IO.InputFile.ReadAllBytes(path, MaxSourceBytes);
            using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return (reader.ReadToEnd(), path, Path.GetFileNameWithoutExtension(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InputException($"cannot read '{path}': {e.Message}");
        }
    }

    /// <summary>A [Network] class for <c>mlp:IN,H1,...,OUT</c>.</summary>
    public static (string Source, string File, string Name) FromSpec(string spec, string optimizer, double lr, long seed)
    {
        if (!ModelSpec.IsSpec(spec))
            throw new InputException($"unknown model '{spec}': give mlp:IN,H1,...,OUT or a .cs file with a [Network] class");
        var widths = ModelSpec.Widths(spec);
        var layers = string.Join(", ", Enumerable.Range(0, widths.Length - 1).Select(i =>
            $"new Dense({widths[i]}, {widths[i + 1]})" + (i < widths.Length - 2 ? ", new ReLU()" : "")));
        var cls = SpecClassName(widths);
        var opt = optimizer == "adam" ? "Adam" : "Sgd";
        var source = $$"""
            // Made by `nabla build {{spec}}`.
            using Nabla;

            namespace {{SpecNamespace}};

            /// <summary>The MLP {{spec}}: dense layers with ReLU between them, softmax cross-entropy, {{opt}} (lr {{lr.ToString("R", CultureInfo.InvariantCulture)}}).</summary>
            [Network]
            public static partial class {{cls}}
            {
                /// <summary>The network and its initial weights (seed {{seed}}).</summary>
                public static Model Build() => Model.Build(new Sequential({{layers}}), inputWidth: {{widths[0]}}, seed: {{seed}});

                /// <summary>The training setup.</summary>
                public static TrainingSetup Training() => TrainingSetup.Classification(Optimizer.{{opt}}({{lr.ToString("R", CultureInfo.InvariantCulture)}}));
            }
            """;
        return (source, cls + ".cs", cls);
    }

    /// <summary>The largest C# source file <c>nabla build</c> reads: 16 MiB.</summary>
    public const int MaxSourceBytes = 16 << 20;

    /// <summary>
    /// The class (and default assembly) name of a spec: <c>Mlp_40_100_100_10</c>; when that would be longer than 64
    /// characters (a deep spec: metadata names stop at 1,023 bytes, file names at 255), the first three widths, the
    /// number of widths and a hash of them all, <c>Mlp_40_100_100_n300_1f2e3d4c5b6a7988</c> (FNV-1a, so the same spec
    /// always gets the same name).
    /// </summary>
    public static string SpecClassName(IReadOnlyList<int> widths)
    {
        var full = "Mlp_" + string.Join("_", widths);
        if (full.Length <= 64) return full;
        ulong hash = 14695981039346656037UL;
        foreach (char c in full) { hash ^= c; hash *= 1099511628211UL; }
        return "Mlp_" + string.Join("_", widths.Take(3)) + "_n" + widths.Count.ToString(CultureInfo.InvariantCulture) + "_" + hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    private static bool IsAssemblyName(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || c is '_' or '.') && s[0] != '.' && s[s.Length - 1] != '.';

    /// <summary>Checks, before the compile, that the folder <paramref name="output"/> (if it exists) is a folder and <paramref name="path"/> can take the DLL.</summary>
    private static void Target(string output, string path)
    {
        var kind = Nabla.IO.FileType.Of(output);
        if (kind is not (Nabla.IO.FileKind.Directory or Nabla.IO.FileKind.Missing))
            throw new InputException($"-o: '{output}' is {Nabla.IO.FileType.Describe(kind)}, not a folder");
        try { Nabla.IO.AtomicFile.Target(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InputException($"cannot write '{path}': {e.Message}");
        }
    }

    /// <summary>Writes atomically (<see cref="Nabla.IO.AtomicFile"/>), so a failed write leaves no half DLL and never replaces a device or a FIFO.</summary>
    private static void Write(string path, byte[] bytes)
    {
        try
        {
            Nabla.IO.AtomicFile.Write(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InputException($"cannot write '{path}': {e.Message}");
        }
    }
}
