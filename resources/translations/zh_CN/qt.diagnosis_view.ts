<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>DiagnosisView</name>
    <message>
        <source>{0}: {1}</source>
        <translation>{0}：{1}</translation>
    </message>
    <message>
        <source>Checked over the last {0} reports. Thresholds (gradviz/core/training/doctor.py): {1}</source>
        <translation>依据最近 {0} 次报告检查。阈值（gradviz/core/training/doctor.py）：{1}</translation>
    </message>
    <message>
        <source>{0} in {1}  (since step {2})
{3}
threshold: {4}</source>
        <translation>{1} 中的{0}（自第 {2} 步起）
{3}
阈值：{4}</translation>
    </message>
    <message>
        <source>Click to select layer &apos;{0}&apos; in the plots and the graph</source>
        <translation>点击可在图表和计算图中选中层 &apos;{0}&apos;</translation>
    </message>
    <message>
        <source>{0} finding: click one to select its layer</source>
        <translation>{0} 项发现：点击一项可选中对应的层</translation>
    </message>
    <message>
        <source>{0} findings: click one to select its layer</source>
        <translation>{0} 项发现：点击一项可选中对应的层</translation>
    </message>
    <message>
        <source>No problems found up to step {0}</source>
        <translation>截至第 {0} 步没有发现问题</translation>
    </message>
    <message>
        <source>The gradient doctor speaks up once training runs</source>
        <translation>训练开始后，梯度医生会给出诊断</translation>
    </message>
</context>
</TS>
