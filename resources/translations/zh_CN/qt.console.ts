<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ConsoleInput</name>
    <message>
        <source>type Python here, e.g. x = torch.ones(3, requires_grad=True)</source>
        <translation>在此输入 Python 代码，例如 x = torch.ones(3, requires_grad=True)</translation>
    </message>
</context>
<context>
    <name>ConsolePanel</name>
    <message>
        <source># Python console on the workspace: torch, nn, F, np and every tensor are here.
# Enter runs a complete input, Shift+Enter adds a line, Tab completes, Up/Down recall,
# Ctrl+C (or Stop) interrupts. Every backward() the code calls is recorded.
</source>
        <translation># 工作区上的 Python 控制台：torch、nn、F、np 和所有张量都可以直接使用。
# Enter 运行一段完整的输入，Shift+Enter 换行，Tab 补全，上/下方向键调出历史，
# Ctrl+C（或“停止”）中断运行。代码调用的每一次 backward() 都会被记录下来。
</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Interrupt the running code (Ctrl+C): KeyboardInterrupt</source>
        <translation>中断正在运行的代码（Ctrl+C）：KeyboardInterrupt</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>Clear the output (the workspace stays as it is)</source>
        <translation>清空输出（工作区保持不变）</translation>
    </message>
    <message>
        <source>running… ({0} input(s) waiting)</source>
        <translation>运行中…（{0} 段输入在等待）</translation>
    </message>
    <message>
        <source>The console is still running: wait, or press Stop</source>
        <translation>控制台仍在运行：请稍候，或按“停止”</translation>
    </message>
    <message>
        <source>redoing: replaying the history… (Stop abandons it)</source>
        <translation>重做：正在重放历史…（按“停止”可放弃）</translation>
    </message>
    <message>
        <source>undoing: replaying the history… (Stop abandons it)</source>
        <translation>撤销：正在重放历史…（按“停止”可放弃）</translation>
    </message>
    <message>
        <source>opening {0}: running its code… (Stop abandons it)</source>
        <translation>正在打开 {0}：运行其中的代码…（按“停止”可放弃）</translation>
    </message>
    <message>
        <source>Could not redo: {0}</source>
        <translation>无法重做：{0}</translation>
    </message>
    <message>
        <source>Could not undo: {0}</source>
        <translation>无法撤销：{0}</translation>
    </message>
    <message>
        <source>interrupting…</source>
        <translation>正在中断…</translation>
    </message>
    <message>
        <source>running… (Stop or Ctrl+C interrupts)</source>
        <translation>运行中…（按“停止”或 Ctrl+C 中断）</translation>
    </message>
    <message>
        <source>
# Lesson: {0}
# {1}
</source>
        <translation>
# 课程：{0}
# {1}
</translation>
    </message>
    <message>
        <source># Lesson done: {0}
</source>
        <translation># 课程完成：{0}
</translation>
    </message>
    <message>
        <source># step {0}/{1}: {2}
</source>
        <translation># 第 {0}/{1} 步：{2}
</translation>
    </message>
</context>
<context>
    <name>UndoWorker</name>
    <message>
        <source>opening stopped ({0})</source>
        <translation>打开已中止（{0}）</translation>
    </message>
    <message>
        <source>undo stopped ({0})</source>
        <translation>撤销已中止（{0}）</translation>
    </message>
</context>
</TS>
