using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites.Engine;
using Nabla.Rewrites.Passes;
using Nabla.Rewrites.Schedule;
using Buffer = Nabla.Rewrites.Schedule.Buffer;

namespace Nabla.Rewrites;

/// <summary>
/// The checks <see cref="RewriteOptions.Verify"/> runs after every stage of <see cref="Pipeline.Stages"/>: after each
/// graph pass (<see cref="CheckPass"/>) and after scheduling (<see cref="CheckSchedule"/>). Each failure is an
/// <see cref="InvalidOperationException"/> whose message names the stage or pass and the offending node or buffer.
/// Off by default; every check is linear in the size of the graph or schedule (the duplicate check hashes each node once).
/// </summary>
public static class Verifier
{
    /// <summary>
    /// Checks that pass <paramref name="pass"/> turned <paramref name="from"/> into a well-formed equivalent
    /// <paramref name="to"/>: the outputs and updates keep their names, order, shapes and types; every node of the
    /// result is well formed (<see cref="CheckGraph"/>); the pass raised no rewrite warning; and when the pass
    /// <paramref name="merges"/>, no two reachable nodes are structurally equal.
    /// </summary>
    public static void CheckPass(string pass, Function from, Function to, RewriteReport? rules = null, bool merges = false)
    {
        void Same(IReadOnlyList<Named> a, IReadOnlyList<Named> b, string what)
        {
            if (a.Count != b.Count) throw new InvalidOperationException($"Pass '{pass}' changed the number of {what} from {a.Count} to {b.Count}.");
            for (int i = 0; i < a.Count; i++)
                if (a[i].Name != b[i].Name || !a[i].Node.Shape.Equals(b[i].Node.Shape) || a[i].Node.DType != b[i].Node.DType)
                    throw new InvalidOperationException($"Pass '{pass}' changed {what} \"{a[i].Name}\" from {a[i].Node.Describe()} to \"{b[i].Name}\" {b[i].Node.Describe()}.");
        }
        Same(from.Outputs, to.Outputs, "outputs");
        Same(from.Updates, to.Updates, "updates");
        if (rules is not null && rules.Warnings.Count > 0) throw new InvalidOperationException($"Pass '{pass}': {string.Join("; ", rules.Warnings)}");
        CheckGraph(pass, to);
        if (merges)
        {
            var dup = CommonSubexpressions.Duplicates(to);
            if (dup.Count > 0)
                throw new InvalidOperationException($"Pass '{pass}' left structurally equal nodes: {Printer.Line(dup[0].Item1)} and {Printer.Line(dup[0].Item2)}.");
        }
    }

    /// <summary>
    /// Checks every node reachable in <paramref name="f"/>: its inputs belong to the same graph and precede it (smaller
    /// ids, which the scheduler's dependence tests rely on), its type is its first input's, and its shape is what
    /// <see cref="ShapeRules.Infer"/> gives for its op, attributes and inputs. <paramref name="stage"/> names the culprit.
    /// </summary>
    public static void CheckGraph(string stage, Function f)
    {
        foreach (var n in f.Nodes())
        {
            if (n.IsLeaf) continue;
            var inputs = n.Inputs.ToArray();
            foreach (var i in inputs)
            {
                if (!ReferenceEquals(i.Graph, n.Graph))
                    throw new InvalidOperationException($"Pass '{stage}': {Printer.Line(n)} reads {i.Describe()} from another graph.");
                if (i.Id >= n.Id)
                    throw new InvalidOperationException($"Pass '{stage}': {Printer.Line(n)} reads %{i.Id}, which does not precede it.");
            }
            if (inputs.Length > 0 && n.DType != (n.Op.TypeRule is { } typeRule ? typeRule(n.Attrs, inputs) : inputs[0].DType))
                throw new InvalidOperationException($"Pass '{stage}': {Printer.Line(n)} has type {n.DType.ShortName()}, but its op and inputs give {(n.Op.TypeRule is { } t ? t(n.Attrs, inputs) : inputs[0].DType).ShortName()}.");
            Shape inferred;
            try { inferred = ShapeRules.Infer(n.Op, n.Attrs, inputs); }
            catch (ShapeException e) { throw new InvalidOperationException($"Pass '{stage}': {Printer.Line(n)} is ill-shaped: {e.Message}"); }
            if (!inferred.Equals(n.Shape))
                throw new InvalidOperationException($"Pass '{stage}': {Printer.Line(n)} has shape {n.Shape}, but {n.Op.Name} of its inputs has shape {inferred}.");
        }
    }

    /// <summary>
    /// Checks a schedule: every buffer a kernel reads is an input, parameter or constant, or was written by an earlier
    /// kernel; no memory slot holds two live values (a kernel writes a slot only after the last read of its previous
    /// occupant, or in the same kernel, for an elementwise loop writing over an input it consumes); every output and
    /// every update is written by some kernel, into a buffer of the output's or parameter's shape.
    /// <paramref name="stage"/> names the stage whose result is checked.
    /// </summary>
    public static void CheckSchedule(string stage, Schedule.Schedule s)
    {
        string Where(Kernel k) => $"Schedule after '{stage}': k{k.Id} ({k})";
        var lastRead = new Dictionary<Buffer, int>();
        foreach (var k in s.Kernels) foreach (var b in k.Reads) lastRead[b.Storage] = k.Id;
        var written = new HashSet<Buffer>();
        var live = new Dictionary<int, Buffer>();
        for (int id = 0; id < s.Kernels.Count; id++)
        {
            var k = s.Kernels[id];
            if (k.Id != id) throw new InvalidOperationException($"Schedule after '{stage}': kernel {id} is numbered k{k.Id}.");
            foreach (var b in k.Reads.Select(b => b.Storage))
            {
                if (b.Kind != BufferKind.Temp) continue;
                if (!written.Contains(b)) throw new InvalidOperationException($"{Where(k)} reads {b} before any kernel writes it.");
                if (b.Slot >= 0 && (!live.TryGetValue(b.Slot, out var occupant) || occupant != b))
                    throw new InvalidOperationException($"{Where(k)} reads {b}, but slot {b.Slot} now holds {(occupant is null ? "nothing" : occupant.ToString())}.");
            }
            foreach (var b in k.Writes.Select(b => b.Storage))
            {
                written.Add(b);
                if (b.Kind != BufferKind.Temp || b.Slot < 0) continue;
                if (live.TryGetValue(b.Slot, out var prev) && prev != b && lastRead.TryGetValue(prev, out var lr) && lr > k.Id)
                    throw new InvalidOperationException($"{Where(k)} overwrites slot {b.Slot} with {b} while {prev} is still read by k{lr}.");
                live[b.Slot] = b;
            }
        }
        void Produced(IReadOnlyList<(string Name, Buffer Buffer)> results, IReadOnlyList<Named> named, string what)
        {
            if (results.Count != named.Count) throw new InvalidOperationException($"Schedule after '{stage}': {results.Count} {what}s, the function has {named.Count}.");
            for (int i = 0; i < results.Count; i++)
            {
                var (name, buffer) = results[i];
                if (name != named[i].Name || !buffer.Shape.Equals(named[i].Node.Shape))
                    throw new InvalidOperationException($"Schedule after '{stage}': {what} {i} is \"{name}\" {buffer}, the function's is {named[i].Name} {named[i].Node.Describe()}.");
                if (!written.Contains(buffer.Storage)) throw new InvalidOperationException($"Schedule after '{stage}': no kernel writes {what} \"{name}\" ({buffer}).");
            }
        }
        Produced(s.Outputs, s.Source.Outputs, "output");
        Produced(s.Updates, s.Source.Updates, "update");
    }
}
