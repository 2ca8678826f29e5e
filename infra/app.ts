import { App } from 'aws-cdk-lib';
import { synthesizeApp } from './scanner-app.ts';

synthesizeApp(new App());
