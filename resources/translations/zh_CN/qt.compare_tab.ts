<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CompareTab</name>
    <message>
        <source>Loss of the ticked runs</source>
        <translation>勾选的运行的损失</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>Accuracy of the ticked runs</source>
        <translation>勾选的运行的准确率</translation>
    </message>
    <message>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <source>Exponential moving average, as TensorBoard&apos;s smoothing</source>
        <translation>指数移动平均，与 TensorBoard 的平滑相同</translation>
    </message>
    <message>
        <source>Smoothing</source>
        <translation>平滑</translation>
    </message>
    <message>
        <source>Tick runs in the run list (left) to overlay them here</source>
        <translation>在左侧的运行列表中勾选运行，即可在这里叠加比较</translation>
    </message>
</context>
</TS>
