using Warehouse.Database.Embedded;

namespace Warehouse.Tests.Database;

public sealed class PostgresBinariesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pgbin").FullName;

    private string FakeInstall(string relative)
    {
        var dir = Path.Combine(_root, relative);
        Directory.CreateDirectory(dir);
        foreach (var program in new[] { "initdb", "pg_ctl", "postgres" }) File.WriteAllText(Path.Combine(dir, program), "");
        return dir;
    }

    [Fact]
    public void path_wins_over_the_versioned_install_folder()
    {
        var onPath = FakeInstall("custom/bin");
        FakeInstall("lib/16/bin");
        Assert.Equal(onPath, PostgresBinaries.Find(onPath, Path.Combine(_root, "lib"))!.BinDirectory);
    }

    [Fact]
    public void the_newest_major_version_is_chosen_numerically()
    {
        FakeInstall("lib/9.6/bin");
        var newest = FakeInstall("lib/16/bin");
        FakeInstall("lib/15/bin");
        Assert.Equal(newest, PostgresBinaries.Find("", Path.Combine(_root, "lib"))!.BinDirectory);
    }

    [Fact]
    public void nothing_found_gives_an_error_that_names_the_package_and_the_alternative()
    {
        Assert.Null(PostgresBinaries.Find("", Path.Combine(_root, "nowhere")));
        Assert.Contains("apt-get install postgresql", PostgresBinaries.InstallHint);
        Assert.Contains("--db", PostgresBinaries.InstallHint);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
