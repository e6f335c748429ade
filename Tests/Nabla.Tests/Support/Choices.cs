namespace Nabla.Tests.Support;

/// <summary>
/// Reads a recipe — a list of small integers — as a stream of choices. Reading past the end yields 0, and every
/// choice is taken modulo its range, so any list (including FsCheck's shrunk ones) is a valid recipe and 0 is always
/// the simplest choice.
/// </summary>
public sealed class Choices
{
    private readonly int[] _recipe;
    private int _next;

    /// <summary>Starts reading <paramref name="recipe"/> from its first element.</summary>
    public Choices(int[] recipe) { _recipe = recipe; }

    /// <summary>The next choice in 0..<paramref name="n"/>−1 (0 when <paramref name="n"/> ≤ 1 or the recipe is used up).</summary>
    public int Next(int n)
    {
        int raw = _next < _recipe.Length ? _recipe[_next] : 0;
        _next++;
        if (n <= 1) return 0;
        int r = raw % n;
        return r < 0 ? r + n : r;
    }

    /// <summary>True with probability about 1/<paramref name="n"/> (false when the recipe is used up).</summary>
    public bool OneIn(int n) => Next(n) == n - 1;

    /// <summary>One of <paramref name="items"/>.</summary>
    public T Pick<T>(params T[] items) => items[Next(items.Length)];
}
