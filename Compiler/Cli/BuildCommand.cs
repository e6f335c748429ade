using System;
using System.Collections.Generic;
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
    public string Usage =>
        "usage: nabla build <model> -o <dir> [--name NAME] [--weights FILE.safetensors] [--optimizer sgd|adam] [--lr X] [--seed N]\n" +
        "  <model>       mlp:IN,H1,...,OUT  (dense layers, ReLU between, softmax cross-entropy)\n" +
        "                or FILE.cs         ([Network] static partial classes, as for the source generator)\n" +
        "  -o DIR        where to write NAME.dll (created if missing; it targets net10.0: reference it with the Nabla library)\n" +
        "  --name NAME   assembly name (default: the class name for a spec, the file name for a .cs file)\n" +
        "  --weights F   embed a safetensors checkpoint (PyTorch state-dict names) and add CreateTrainedNetwork()\n" +
        "  --optimizer, --lr, --seed   training setup and initial-weight seed of a spec (default adam, 0.01, 0)\n" +
        "  --            ends the options (what follows is the model, even if it starts with -)\n" +
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
        catch (InputException e)
        {
            return CommandLine.Fail(stderr, e);
        }
    }

    /// <summary>The longest assembly name, in UTF-8 bytes: NAME.dll must be a file name (255 bytes on most file systems).</summary>
    public const int MaxNameBytes = 200;

    private sealed record Options(string Model, string Output, string? Name, string? Weights, string Optimizer, double Lr, long Seed);

    private static Options ParseArgs(string[] args)
    {
        string? model = null, output = null, name = null, weights = null, optimizer = "adam";
        double lr = 0.01;
        long seed = 0;
        bool positional = false;
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (positional || a == "--")
            {
                // After --, the model (which may then start with -).
                if (!positional) { positional = true; continue; }
                if (model is not null) throw new InputException($"unexpected argument '{a}': give one model");
                model = a;
                continue;
            }
            string Value() => i + 1 >= args.Length ? throw new InputException($"{a} needs a value")
                : args[i + 1].StartsWith("--", StringComparison.Ordinal) ? throw new InputException($"{a} needs a value, but the next argument '{args[i + 1]}' is an option")
                : args[++i];
            switch (a)
            {
                case "-o" or "--output":
                    output = Value();
                    if (string.IsNullOrWhiteSpace(output)) throw new InputException($"{a}: the folder name is empty (write -o . for the current folder)");
                    break;
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
