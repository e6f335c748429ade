using System;
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
/// model's parameters) and adds <c>CreateTrainedNetwork()</c>.
/// </summary>
public sealed partial class BuildCommand : ICommand
{
    /// <inheritdoc/>
    public string Name => "build";

    /// <inheritdoc/>
    public string Summary => "compile a network ahead of time into a model assembly (DLL) that needs no compiler at run time";

    /// <inheritdoc/>
    public string Usage =>
        "usage: nabla build <model> -o <dir> [--name NAME] [--weights FILE.safetensors] [--optimizer sgd|adam] [--lr X] [--seed N]\n" +
        "  <model>       mlp:IN,H1,...,OUT  (dense layers, ReLU between, softmax cross-entropy)\n" +
        "                or FILE.cs         ([Network] static partial classes, as for the source generator)\n" +
        "  -o DIR        where to write NAME.dll (created if missing)\n" +
        "  --name NAME   assembly name (default: the class name for a spec, the file name for a .cs file)\n" +
        "  --weights F   embed a safetensors checkpoint (PyTorch state-dict names) and add CreateTrainedNetwork()\n" +
        "  --optimizer, --lr, --seed   training setup and initial-weight seed of a spec (default adam, 0.01, 0)\n" +
        "example: nabla build mlp:40,100,100,10 -o out/models";

    /// <summary>The namespace of classes made from a spec.</summary>
    public const string SpecNamespace = "NablaModels";

    /// <inheritdoc/>
    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var o = ParseArgs(args);
            var (source, file, defaultName) = o.Model.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)
                ? ReadSource(o.Model)
                : FromSpec(o.Model, o.Optimizer, o.Lr, o.Seed);
            var name = o.Name ?? defaultName;
            if (!IsAssemblyName(name)) throw new InputException($"'{name}' is not a valid assembly name (letters, digits, '_' and '.')");
            var built = ModelAssembly.Build(source, file, name, o.Weights);
            var path = Path.Combine(o.Output, name + ".dll");
            Write(path, built.Bytes);
            stdout.WriteLine($"wrote {path} ({built.Bytes.Length.ToString("N0", CultureInfo.InvariantCulture)} bytes)");
            foreach (var c in built.Classes) stdout.WriteLine("  " + c);
            return CommandLine.Ok;
        }
        catch (InputException e)
        {
            stderr.WriteLine("error: " + e.Line);
            return CommandLine.BadInput;
        }
    }

    private sealed record Options(string Model, string Output, string? Name, string? Weights, string Optimizer, double Lr, long Seed);

    private static Options ParseArgs(string[] args)
    {
        string? model = null, output = null, name = null, weights = null, optimizer = "adam";
        double lr = 0.01;
        long seed = 0;
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            string Value() => i + 1 >= args.Length ? throw new InputException($"{a} needs a value")
                : args[i + 1].StartsWith("--", StringComparison.Ordinal) ? throw new InputException($"{a} needs a value, but the next argument '{args[i + 1]}' is an option")
                : args[++i];
            switch (a)
            {
                case "-o" or "--output": output = Value(); break;
                case "--name": name = Value(); break;
                case "--weights": weights = Value(); break;
                case "--optimizer": optimizer = Value().ToLowerInvariant(); break;
                case "--lr":
                    var v = Value();
                    if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out lr) || !(lr > 0) || double.IsInfinity(lr))
                        throw new InputException($"--lr needs a positive number, not '{v}'");
                    break;
                case "--seed":
                    var s = Value();
                    if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out seed)) throw new InputException($"--seed needs a whole number >= 0, not '{s}'");
                    break;
                default:
                    if (a.StartsWith("-", StringComparison.Ordinal)) throw new InputException($"unknown option '{a}' (build takes -o, --name, --weights, --optimizer, --lr and --seed)");
                    if (model is not null) throw new InputException($"unexpected argument '{a}': give one model");
                    model = a;
                    break;
            }
        }
        if (model is null) throw new InputException("missing the model, e.g. nabla build mlp:40,100,100,10 -o out/models");
        if (output is null) throw new InputException("missing -o DIR (where to write the model assembly)");
        if (optimizer is not ("adam" or "sgd")) throw new InputException($"unknown optimizer '{optimizer}' (sgd or adam)");
        return new Options(model, output, name, weights, optimizer, lr, seed);
    }

    /// <summary>The C# file's text, its name for locations, and the default assembly name (the file name).</summary>
    private static (string Source, string File, string Name) ReadSource(string path)
    {
        try { return (File.ReadAllText(path), path, Path.GetFileNameWithoutExtension(path)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InputException($"cannot read '{path}': {e.Message}");
        }
    }

    /// <summary>A [Network] class for <c>mlp:IN,H1,...,OUT</c>.</summary>
    public static (string Source, string File, string Name) FromSpec(string spec, string optimizer, double lr, long seed)
    {
        const string prefix = "mlp:";
        if (!spec.StartsWith(prefix, StringComparison.Ordinal))
            throw new InputException($"unknown model '{spec}': give mlp:IN,H1,...,OUT or a .cs file with a [Network] class");
        var parts = spec.Substring(prefix.Length).Split(',');
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                throw new InputException($"bad width '{parts[i]}' in model '{spec}': widths are whole numbers >= 1", prefix.Length + 1 + parts.Take(i).Sum(p => p.Length + 1));
        if (widths.Length < 2) throw new InputException($"model '{spec}' needs at least an input and an output width, e.g. mlp:40,10");
        var layers = string.Join(", ", Enumerable.Range(0, widths.Length - 1).Select(i =>
            $"new Dense({widths[i]}, {widths[i + 1]})" + (i < widths.Length - 2 ? ", new ReLU()" : "")));
        var cls = "Mlp_" + string.Join("_", widths);
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

    private static bool IsAssemblyName(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || c is '_' or '.') && s[0] != '.' && s[s.Length - 1] != '.';

    /// <summary>Writes through a temporary file and a rename, so a failed write leaves no half DLL.</summary>
    private static void Write(string path, byte[] bytes)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var tmp = path + ".tmp";
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot write '{path}': {e.Message}");
        }
    }
}
