using System;
using System.Collections.Generic;
using Nabla.Benchmarks;

// Usage: dotnet run -c Release --project Tests/Benchmarks -- [--case NAME]... [--json] [--threads N] [--quick] [--list] [--wait-idle SECONDS]
//        mpirun -np R dotnet Tests/Benchmarks/bin/Release/net10.0/Nabla.Benchmarks.dll --data-parallel [--batch N] [--threads N] [--steps N] [--repeats N] [--json]
//        dotnet Tests/Benchmarks/bin/Release/net10.0/Nabla.Benchmarks.dll --split-cost [--batch N] [--threads N] [--steps N] [--repeats N]
// JSON lines follow docs/BENCHMARKS.md: "gflops" for cases that count FLOPs, "sgemm_gflops"/"sgemm_fraction" when the run
// measured sgemm-512/gemm/-/b512/f32/runtime on as many threads first, "foreign_cpu_pct" (CPU used by other processes).
var patterns = new List<string>();
bool json = false, quick = false, list = false, dataParallel = false, splitCost = false;
int batchPerRank = 4000, dpSteps = 50, repeats = 7;
int? threads = null;
double waitIdle = 0;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--case" when i + 1 < args.Length: patterns.Add(args[++i]); break;
        case "--json": json = true; break;
        case "--data-parallel": dataParallel = true; break;
        case "--split-cost": splitCost = true; break;
        case "--batch" when i + 1 < args.Length && int.TryParse(args[i + 1], out int b) && b >= 1: batchPerRank = b; i++; break;
        case "--steps" when i + 1 < args.Length && int.TryParse(args[i + 1], out int st) && st >= 1: dpSteps = st; i++; break;
        case "--repeats" when i + 1 < args.Length && int.TryParse(args[i + 1], out int rp) && rp >= 1: repeats = rp; i++; break;
        case "--quick": quick = true; break;
        case "--list": list = true; break;
        case "--threads" when i + 1 < args.Length && int.TryParse(args[i + 1], out int t) && t >= 1: threads = t; i++; break;
        case "--wait-idle" when i + 1 < args.Length && double.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out double wi): waitIdle = wi; i++; break;
        case "--help" or "-h":
            Console.WriteLine("usage: Nabla.Benchmarks [--case NAME|PREFIX|GLOB]... [--json] [--threads N] [--quick] [--list] [--wait-idle SECONDS]");
            Console.WriteLine("       mpirun -np R … Nabla.Benchmarks.dll --data-parallel [--batch N] [--threads N] [--steps N] [--repeats N] [--json]");
            return 0;
        default:
            Console.Error.WriteLine($"Nabla.Benchmarks: unknown or incomplete argument '{args[i]}' (try --help)");
            return 2;
    }
}

if (splitCost) return Nabla.Benchmarks.DataParallelBench.SplitCost(batchPerRank, threads ?? 1, dpSteps, repeats);
if (dataParallel) return Nabla.Benchmarks.DataParallelBench.Run(batchPerRank, threads ?? 1, dpSteps, repeats, json);

var selected = BenchRunner.Select(BenchRegistry.All(), patterns, threads);
if (selected.Count == 0)
{
    Console.Error.WriteLine($"Nabla.Benchmarks: no case matches {string.Join(", ", patterns)} (try --list)");
    return 2;
}
if (list)
{
    foreach (var (c, t) in selected) Console.WriteLine($"{BenchRunner.Id(c)}  threads={t}");
    return 0;
}

var runner = new BenchRunner(quick, waitIdle);
if (!json) Console.WriteLine(BenchRunner.TableHeader);
foreach (var (c, t) in selected)
{
    var r = runner.Measure(c, t);
    Console.WriteLine(json ? BenchRunner.ToJson(r) : BenchRunner.ToRow(r));
}
return 0;
