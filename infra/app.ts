import { App } from 'aws-cdk-lib';
import { configureApp } from './scanner-app.ts';

configureApp(new App());
