Attribute VB_Name = "LazarusRibbon"
Option Explicit
' The Lazarus ribbon's one callback: every button of addin/excel/ribbon/customUI.xml names LazarusRibbon.OnAction, and
' this hands the button's id to Python (addin/excel/ribbon_actions.py, ACTIONS), where the work, the status bar and
' the message box live and are tested. A new button is a line of customUI.xml and an entry of ACTIONS, no VBA.
' `lazarus addin build` writes this module into lazarus.xlam; RunPython is the xlwings module's.

Sub OnAction(control As IRibbonControl)
    RunPython "import addin.excel.ribbon_actions; addin.excel.ribbon_actions.dispatch('" & control.Id & "')"
End Sub
