using System;
using System.Collections.Generic;

namespace Nabla.Benchmarks;

/// <summary>
/// Every case the runner knows. To add cases, write a class with a static method returning
/// <c>IEnumerable&lt;IBenchCase&gt;</c> and list it in <see cref="Providers"/>; cases are created lazily per run.
/// </summary>
public static class BenchRegistry
{
    /// <summary>Case providers, in the order cases are listed and run.</summary>
    public static readonly Func<IEnumerable<IBenchCase>>[] Providers =
    {
        Cases.GemmCases.All,
        () => Cases.MlpCases.All(Backend.Roslyn),
        Cases.RoslynCompileCases.All,
        () => Cases.MlpCases.All(Backend.Expressions),
        Cases.ExpressionCompileCases.All,
        Cases.RoslynProfileCases.All,
        Cases.LenetCases.All,
        Cases.PipelineCases.All,
        Cases.KernelOpCases.All,
        Cases.FloorCases.All,
    };

    /// <summary>All registered cases.</summary>
    public static List<IBenchCase> All()
    {
        var list = new List<IBenchCase>();
        foreach (var provider in Providers) list.AddRange(provider());
        return list;
    }
}
