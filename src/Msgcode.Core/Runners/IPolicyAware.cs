namespace Msgcode.Core.Runners;

/// <summary>A runner whose need to send data off the machine depends on its settings.</summary>
public interface IPolicyAware
{
    bool SendsDataOffMachine(string workspacePath);
}
