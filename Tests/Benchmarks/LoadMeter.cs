using System;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace Nabla.Benchmarks;

/// <summary>
/// CPU time used by other processes while a case runs, as a percentage of all cores (Linux /proc/stat minus this
/// process's own CPU time). The development machine is shared: rows measured under foreign load are suspect.
/// Returns NaN where /proc/stat is missing.
/// </summary>
public sealed class LoadMeter
{
    private const double TicksPerSecond = 100.0; // USER_HZ on Linux
    private double _busy0, _own0;
    private long _t0;

    /// <summary>True when the machine exposes /proc/stat.</summary>
    public static bool Available => File.Exists("/proc/stat");

    /// <summary>Starts a measurement window.</summary>
    public void Start()
    {
        _busy0 = BusySeconds();
        _own0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        _t0 = Stopwatch.GetTimestamp();
    }

    /// <summary>Foreign CPU percentage since <see cref="Start"/>.</summary>
    public double Stop()
    {
        if (!Available) return double.NaN;
        double busy = BusySeconds() - _busy0;
        double own = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - _own0;
        double wall = Math.Max(Stopwatch.GetElapsedTime(_t0).TotalSeconds, 1e-6);
        return Math.Clamp(100.0 * (busy - own) / (wall * Environment.ProcessorCount), 0, 100);
    }

    /// <summary>Waits (up to <paramref name="budgetSeconds"/>) until foreign load over a 0.3 s window is at most <paramref name="idlePct"/>.</summary>
    public static double WaitIdle(double idlePct, double budgetSeconds)
    {
        if (!Available) return double.NaN;
        var sw = Stopwatch.StartNew();
        var m = new LoadMeter();
        while (true)
        {
            m.Start();
            Thread.Sleep(300);
            double f = m.Stop();
            if (f <= idlePct || sw.Elapsed.TotalSeconds >= budgetSeconds) return f;
        }
    }

    private static double BusySeconds()
    {
        if (!Available) return 0;
        string line = File.ReadLines("/proc/stat").GetEnumerator() is var e && e.MoveNext() ? e.Current : "";
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        double busy = 0;
        // cpu user nice system idle iowait irq softirq steal
        for (int i = 1; i < parts.Length && i <= 8; i++)
            if (i != 4 && i != 5) busy += double.Parse(parts[i], System.Globalization.CultureInfo.InvariantCulture);
        return busy / TicksPerSecond;
    }
}
