using System.Reflection;

namespace Msgcode.Core.Platform;

/// <summary>Facts about this build of msgcode.</summary>
public static class ProductInfo
{
    /// <summary>The product version, as stamped from Directory.Build.props.</summary>
    public static string ProductVersion()
    {
        var assembly = typeof(ProductInfo).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            var plus = informational.IndexOf('+');
            return plus >= 0 ? informational[..plus] : informational;
        }

        return assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    }
}
