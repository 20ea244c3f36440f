<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>YourModelBox</name>
    <message>
        <source>⚠ The model file is Python code: gradviz runs it (model(), and data() and loss() if it has them) when you press Start or Step. Only open files you trust.</source>
        <translation>⚠ 模型文件是 Python 代码：按“开始”或“单步”时，gradviz 会运行它（model()，以及文件中有的 data() 和 loss()）。只打开你信任的文件。</translation>
    </message>
    <message>
        <source>Your model</source>
        <translation>你的模型</translation>
    </message>
    <message>
        <source>a .py file defining model()</source>
        <translation>定义了 model() 的 .py 文件</translation>
    </message>
    <message>
        <source>none: the file&apos;s data()</source>
        <translation>无：使用文件中的 data()</translation>
    </message>
    <message>
        <source>The column to predict</source>
        <translation>要预测的列</translation>
    </message>
    <message>
        <source>Ticked columns are the model&apos;s inputs</source>
        <translation>勾选的列是模型的输入</translation>
    </message>
    <message>
        <source>auto (whole numbers: classes)</source>
        <translation>自动（整数：类别）</translation>
    </message>
    <message>
        <source>regression</source>
        <translation>回归</translation>
    </message>
    <message>
        <source>classification</source>
        <translation>分类</translation>
    </message>
    <message>
        <source>from the labels</source>
        <translation>由标签决定</translation>
    </message>
    <message>
        <source>Choose a .py file that defines model()</source>
        <translation>选择一个定义了 model() 的 .py 文件</translation>
    </message>
    <message>
        <source>Choose a .csv or .npz file</source>
        <translation>选择一个 .csv 或 .npz 文件</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Use the model file&apos;s data() instead of a data file</source>
        <translation>用模型文件中的 data() 代替数据文件</translation>
    </message>
    <message>
        <source>Model file</source>
        <translation>模型文件</translation>
    </message>
    <message>
        <source>Data file</source>
        <translation>数据文件</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Features</source>
        <translation>特征</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>类别数</translation>
    </message>
    <message>
        <source>Your data</source>
        <translation>你的数据</translation>
    </message>
    <message>
        <source>Tables (*.csv *.npz)</source>
        <translation>表格 (*.csv *.npz)</translation>
    </message>
    <message>
        <source>{0}  ({1} columns)</source>
        <translation>{0}（{1} 列）</translation>
    </message>
    <message>
        <source>{0}: {1} rows, {2} columns</source>
        <translation>{0}：{1} 行，{2} 列</translation>
    </message>
</context>
</TS>
